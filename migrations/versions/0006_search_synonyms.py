"""search: synonym groups, and the index rebuilt with words as written (stemming in Python)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:30:00

"""
from alembic import op
import sqlalchemy as sa

from marketplace.search import schema as search_schema


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The curated list a database starts with (staff edit it at /staff/synonyms).
DEFAULT_GROUPS = [
    "keripik, kripik", "sambal, sambel", "tenun, tenunan", "kaos, kaus", "kerupuk, krupuk",
    "rengginang, ranginang", "talenan, telenan", "wedang, wedhang", "sarung, sarong",
    "kemeja, hem", "dompet, wallet", "kopi, coffee", "teh, tea",
]


def upgrade():
    synonym_groups = op.create_table('synonym_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('words', sa.String(length=400), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_synonym_groups_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_synonym_groups')),
    sa.UniqueConstraint('words', name=op.f('uq_synonym_groups_words'))
    )
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    op.bulk_insert(synonym_groups, [{"words": w, "created_at": now} for w in DEFAULT_GROUPS])
    # PostgreSQL's index changes shape (words as written, `simple`, plus the vocabulary
    # table); SQLite's is rebuilt the same way. Both are filled from the products again.
    bind = op.get_bind()
    search_schema.uninstall(bind)
    search_schema.install(bind)


def downgrade():
    op.drop_table('synonym_groups')
