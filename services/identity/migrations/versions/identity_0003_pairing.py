"""pairing codes: screens provisioned without device keys in their addresses

Revision ID: identity_0003
Revises: identity_0002
Create Date: 2026-12-01 02:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.common.db

revision: str = 'identity_0003'
down_revision: str | Sequence[str] | None = 'identity_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pairing_code',
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('expires_at', services.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', services.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', services.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_pairing_code'))
    )
    with op.batch_alter_table('pairing_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairing_code_device_id'), ['device_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pairing_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairing_code_device_id'))
    op.drop_table('pairing_code')
