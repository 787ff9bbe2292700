"""search: province, in-stock and price tokens in the index, so filtered searches are narrowed
by the index itself

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:15:00

"""
from alembic import op

from marketplace.search import schema as search_schema


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # The index gains a column (SQLite) / tsvector (PostgreSQL) and triggers on price, stock
    # and store province: rebuilt from the products, as 0006 did.
    bind = op.get_bind()
    search_schema.uninstall(bind)
    search_schema.install(bind)


def downgrade():
    # The earlier code can search this index as it is: it fills the columns it names and
    # leaves the tokens unused (they start with a digit and never look like a typed word).
    pass
