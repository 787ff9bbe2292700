"""Card money checks: payment issues for staff (money to give back, amount or currency
mismatches), the amount last asked of Stripe, and what was done with each webhook event.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:36:55.866744

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('unclaimed', 'mismatch', name='paymentissuekind', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('refunded', 'open', 'resolved', name='paymentissuestatus', native_enum=False, length=20), nullable=False),
    sa.Column('provider_ref', sa.String(length=255), nullable=False),
    sa.Column('received_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=10), nullable=False),
    sa.Column('expected_amount', sa.Integer(), nullable=False),
    sa.Column('refund_ref', sa.String(length=255), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_issues_payment_id_payments')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_payment_issues_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_issues')),
    sa.UniqueConstraint('provider_ref', 'kind', name='uq_payment_issues_provider_ref_kind')
    )
    with op.batch_alter_table('payment_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_issues_payment_id'), ['payment_id'], unique=False)

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_amount', sa.Integer(), nullable=True))

    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('detail', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_column('detail')
        batch_op.drop_column('outcome')

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('requested_amount')

    with op.batch_alter_table('payment_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_issues_payment_id'))

    op.drop_table('payment_issues')
