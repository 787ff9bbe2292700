"""search: PostgreSQL's index names each product's id ranges, so a search asks it for the
newest matches first instead of reading every match of words that go together

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 18:00:00

"""
from alembic import op

from marketplace.search import schema as search_schema


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # The documents are built by a new function: rebuilt from the products, as 0012 did.
    # SQLite's index is unchanged.
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        search_schema.uninstall(bind)
        search_schema.install(bind)


def downgrade():
    # The earlier code searches this index as it is: the id tokens go unused.
    pass
