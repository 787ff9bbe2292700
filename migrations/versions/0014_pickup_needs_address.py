"""stores: pickup switched off where no pickup address was ever given

Stores opened before pickup needed an address had pickup on by default and no address, so
buyers were offered to collect from nowhere, and the store's shipping page refused to save
until the owner found the field. Such stores now have pickup off; one that offered nothing else
delivers in its own regency, as a newly opened store does (with the fee it already had, 0
unless it set one), so it still sells and its shipping page saves unchanged.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 05:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

stores = sa.table(
    'stores',
    sa.column('pickup_enabled', sa.Boolean),
    sa.column('pickup_address', sa.Text),
    sa.column('self_delivery_enabled', sa.Boolean),
    sa.column('courier_enabled', sa.Boolean),
)


def upgrade():
    no_address = sa.or_(stores.c.pickup_address.is_(None),
                        sa.func.trim(stores.c.pickup_address) == '')
    stranded = sa.and_(stores.c.pickup_enabled == sa.true(), no_address)
    op.execute(stores.update()
               .where(stranded, stores.c.self_delivery_enabled == sa.false(),
                      stores.c.courier_enabled == sa.false())
               .values(self_delivery_enabled=True))
    op.execute(stores.update().where(stranded).values(pickup_enabled=False))


def downgrade():
    # Nothing to undo in the schema, and switching pickup back on would offer buyers an
    # address that does not exist again.
    pass
