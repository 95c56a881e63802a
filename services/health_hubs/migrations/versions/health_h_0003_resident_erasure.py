"""resident erasure: that an erasure happened (no personal data)

Revision ID: health_h_0003
Revises: health_h_0002
Create Date: 2026-11-21 08:38:25.833789
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.common.db

revision: str = 'health_h_0003'
down_revision: str | Sequence[str] | None = 'health_h_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('resident_erasure',
    sa.Column('resident_id', sa.Uuid(), nullable=False),
    sa.Column('erasure_id', sa.Uuid(), nullable=False),
    sa.Column('centre_id', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('erased_at', services.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('erased_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('removed', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('resident_id', name=op.f('pk_resident_erasure'))
    )
    with op.batch_alter_table('resident_erasure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_erasure_erasure_id'), ['erasure_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('resident_erasure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_erasure_erasure_id'))

    op.drop_table('resident_erasure')
