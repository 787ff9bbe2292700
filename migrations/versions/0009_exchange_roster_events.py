"""Data exchange: the PKH graduate roster (NIKs as keyed hashes only) matched to stores, outbound event subscriptions, events and deliveries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:50:52.663606

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbound_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_events')),
    sa.UniqueConstraint('key', name=op.f('uq_outbound_events_key'))
    )
    with op.batch_alter_table('outbound_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_events_kind'), ['kind'], unique=False)

    op.create_table('event_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=False),
    sa.Column('kinds', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_event_subscriptions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_subscriptions'))
    )
    op.create_table('roster_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_roster_imports_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_imports'))
    )
    op.create_table('event_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'delivered', 'failed', name='deliverystatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['outbound_events.id'], name=op.f('fk_event_deliveries_event_id_outbound_events')),
    sa.ForeignKeyConstraint(['subscription_id'], ['event_subscriptions.id'], name=op.f('fk_event_deliveries_subscription_id_event_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_deliveries')),
    sa.UniqueConstraint('event_id', 'subscription_id', name=op.f('uq_event_deliveries_event_id'))
    )
    with op.batch_alter_table('event_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_event_deliveries_status', ['status', 'created_at'], unique=False)

    op.create_table('roster_households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nik_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('regency', sa.String(length=120), nullable=False),
    sa.Column('graduated_on', sa.Date(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_roster_households_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_households')),
    sa.UniqueConstraint('nik_hash', name=op.f('uq_roster_households_nik_hash')),
    sa.UniqueConstraint('store_id', name=op.f('uq_roster_households_store_id'))
    )
    with op.batch_alter_table('roster_households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_households_province_code'), ['province_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_households_updated_at'), ['updated_at'], unique=False)



def downgrade():
    with op.batch_alter_table('roster_households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_households_updated_at'))
        batch_op.drop_index(batch_op.f('ix_roster_households_province_code'))

    op.drop_table('roster_households')
    with op.batch_alter_table('event_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_event_deliveries_status')

    op.drop_table('event_deliveries')
    op.drop_table('roster_imports')
    op.drop_table('event_subscriptions')
    with op.batch_alter_table('outbound_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_events_kind'))

    op.drop_table('outbound_events')
