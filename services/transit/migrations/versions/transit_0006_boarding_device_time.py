"""boarding: the bus's own time of a live boarding recorded at the server's time (its clock outside the windows)

Revision ID: transit_0006_device_time
Revises: transit_0005_boarding_protect
Create Date: 2026-12-01 02:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.common.db

revision: str = 'transit_0006_device_time'
down_revision: str | Sequence[str] | None = 'transit_0005_boarding_protect'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('boarding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_occurred_at', services.common.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('boarding', schema=None) as batch_op:
        batch_op.drop_column('device_occurred_at')
