"""Background tasks may be a payouts list for the bank (the export runs as a job).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OLD = "kind IN ('product_import', 'programme_refresh')"
NEW = "kind IN ('product_import', 'programme_refresh', 'payouts_export')"


def _kinds(condition: str) -> None:
    with op.batch_alter_table('background_tasks', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_background_tasks_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', condition)


def upgrade():
    _kinds(NEW)


def downgrade():
    op.execute("DELETE FROM background_tasks WHERE kind = 'payouts_export'")
    _kinds(OLD)
