"""standards: recorded times between failures (MTBF), ISA-18.2 alarm states

Revision ID: industry_0003_standards
Revises: industry_0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.common.db

revision: str = 'industry_0003_standards'
down_revision: str | Sequence[str] | None = 'industry_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ALARM_COLUMNS = ('shelved_at', 'shelved_until', 'shelved_by', 'shelved_reason', 'escalated_at', 'late')
RULE_COLUMNS = ('on_delay_s', 'mode', 'mode_reason', 'mode_by', 'mode_at')


def upgrade() -> None:
    with op.batch_alter_table('production_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tbf_s', sa.Float(), nullable=True))
    with op.batch_alter_table('alarm_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_delay_s', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False,
                                      server_default='in_service'))
        batch_op.add_column(sa.Column('mode_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('mode_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.add_column(sa.Column('mode_at', services.common.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table('alarm', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shelved_at', services.common.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('shelved_until', services.common.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('shelved_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.add_column(sa.Column('shelved_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', services.common.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('late', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('alarm', schema=None) as batch_op:
        for name in reversed(ALARM_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table('alarm_rule', schema=None) as batch_op:
        for name in reversed(RULE_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table('production_record', schema=None) as batch_op:
        batch_op.drop_column('tbf_s')
