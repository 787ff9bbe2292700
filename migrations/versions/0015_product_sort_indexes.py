"""products: indexes for the listings sorted by price and by sales, so a category page in
those orders walks an index instead of sorting every product of the category

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 06:15:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_products_by_price': ['status', 'hidden', 'price_min'],
    'ix_products_by_sales': ['status', 'hidden', 'sold_count'],
    'ix_products_category_price': ['category_id', 'price_min'],
    'ix_products_category_sales': ['category_id', 'sold_count'],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, 'products', columns)
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite's planner needs statistics to tell these indexes apart: it took an index
        # without them for very selective and walked it for every listing (the newest
        # category page went from 2 to 290 ms, a search by price from 15 to 985 ms).
        # `flask housekeeping` keeps them current; PostgreSQL gathers its own.
        op.execute('ANALYZE')


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name='products')
