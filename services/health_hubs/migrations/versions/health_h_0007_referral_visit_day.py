"""referrals: the day the nurse visited, recorded on completion (issue 15, referral worklist)

Revision ID: health_h_0007
Revises: health_h_0006
Create Date: 2026-12-01 02:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'health_h_0007'
down_revision: str | Sequence[str] | None = 'health_h_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visited_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('visited_on')
