"""images: a status and attempt count, so renditions are made by a background job

An upload is checked in the request and its original kept privately; the image is shown once
the job has made its renditions. Existing images already have theirs: they are ready.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 05:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('pending', 'ready', 'failed',
                                                        name='imagestatus',
                                                        native_enum=False, length=10),
                                      server_default='ready', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('images', schema=None) as batch_op:
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')
