"""standards: recorded times between failures (MTBF), ISA-18.2 alarm states

Revision ID: industry_0003_standards
Revises: industry_0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'industry_0003_standards'
down_revision: str | Sequence[str] | None = 'industry_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('production_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tbf_s', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('production_record', schema=None) as batch_op:
        batch_op.drop_column('tbf_s')
