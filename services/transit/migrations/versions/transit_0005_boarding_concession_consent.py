"""boarding: concession applied and driver confirmation, consent per purpose, model id per template, erasure
attempts, birth-date HMAC for erasure by the person

Revision ID: transit_0005_boarding_protect
Revises: transit_0004_holds
Create Date: 2026-12-01 00:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.common.db

revision: str = 'transit_0005_boarding_protect'
down_revision: str | Sequence[str] | None = 'transit_0004_holds'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('boarding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('concession_applied', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('concession_reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('driver_confirmed_at', services.common.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('driver_confirmed_by', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
    with op.batch_alter_table('face_consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=24),
                                      server_default='card_check', nullable=False))
    with op.batch_alter_table('face_template', schema=None) as batch_op:
        batch_op.add_column(sa.Column('model_id', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      server_default='dlib_resnet_v1+68pt', nullable=False))
    with op.batch_alter_table('rider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date_hmac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_table('face_erasure_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rider_id', sa.Uuid(), nullable=True),
    sa.Column('card_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('distance', sa.Float(), nullable=True),
    sa.Column('attempted_at', services.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_face_erasure_attempt'))
    )
    with op.batch_alter_table('face_erasure_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_face_erasure_attempt_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_face_erasure_attempt_rider_id'), ['rider_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('face_erasure_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_face_erasure_attempt_rider_id'))
        batch_op.drop_index(batch_op.f('ix_face_erasure_attempt_attempted_at'))
    op.drop_table('face_erasure_attempt')
    with op.batch_alter_table('rider', schema=None) as batch_op:
        batch_op.drop_column('birth_date_hmac')
    with op.batch_alter_table('face_template', schema=None) as batch_op:
        batch_op.drop_column('model_id')
    with op.batch_alter_table('face_consent', schema=None) as batch_op:
        batch_op.drop_column('purpose')
    with op.batch_alter_table('boarding', schema=None) as batch_op:
        batch_op.drop_column('driver_confirmed_by')
        batch_op.drop_column('driver_confirmed_at')
        batch_op.drop_column('concession_reason')
        batch_op.drop_column('concession_applied')
