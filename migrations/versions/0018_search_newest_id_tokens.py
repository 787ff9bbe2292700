"""search: PostgreSQL's index names each product's id ranges, so a search asks it for the
newest matches first instead of reading every match of words that go together

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 18:00:00

"""
from alembic import op

from marketplace.search import facets
from marketplace.search import schema as search_schema


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # New and changed documents get the tokens from the function the DDL replaces; the
    # indexed ones are given them in place, so searches keep answering while this runs (a
    # rebuild would hold the index's table locked until the end). SQLite's is unchanged.
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in search_schema.POSTGRES_DDL:
        op.execute(statement)
    op.execute("UPDATE product_search SET facets = facets || array_to_tsvector(ARRAY["
               + ", ".join(facets.sql_id_tokens("product_id")) + "])")


def downgrade():
    # The earlier code searches this index as it is: the id tokens go unused.
    pass
