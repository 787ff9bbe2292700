"""search: PostgreSQL keeps the frequencies of the 1,000 commonest indexed words (not 100),
so a search for a rare word asks the index instead of walking every product

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 09:35:00

"""
from alembic import op

from marketplace.search import schema as search_schema


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(search_schema.POSTGRES_STATISTICS)
        op.execute("ANALYZE product_search")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE product_search ALTER COLUMN document SET STATISTICS -1")
