"""search: the index no longer keeps whether a product is in stock (nearly all are: the token
cost PostgreSQL's index more than the rows it left out); the product's row is tested

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 18:30:00

"""
from alembic import op

from marketplace.search import schema as search_schema


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The function and triggers replaced; the token taken out of the indexed documents in
        # place, so searches keep answering while this runs.
        for statement in search_schema.POSTGRES_DDL:
            op.execute(statement)
        op.execute("UPDATE product_search SET facets = ts_delete(facets, '0fstok') "
                   "WHERE facets @@ '0fstok'")
    else:
        # FTS5 rows are rebuilt whole (its triggers cannot be replaced in place), as 0012 did.
        search_schema.uninstall(bind)
        search_schema.install(bind)


def downgrade():
    # The earlier code asks the index for the token only when a buyer filters on stock: those
    # searches would find nothing until the index is rebuilt (`flask search reindex`).
    pass
