"""Payouts: unique per (store, bank reference) and per (store, form idempotency key).

Payouts recorded twice before this revision keep their money entries; the later copies get
" #<id>" after their reference so the constraint can be created and staff can find them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 11:26:08.327392

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE payouts SET reference = substr(reference, 1, 80) || ' #' || id "
        "WHERE id NOT IN (SELECT min(id) FROM payouts GROUP BY store_id, reference)"
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_payouts_store_id_idempotency_key', ['store_id', 'idempotency_key'])
        batch_op.create_unique_constraint('uq_payouts_store_id_reference', ['store_id', 'reference'])


def downgrade():
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_constraint('uq_payouts_store_id_reference', type_='unique')
        batch_op.drop_constraint('uq_payouts_store_id_idempotency_key', type_='unique')
        batch_op.drop_column('idempotency_key')
