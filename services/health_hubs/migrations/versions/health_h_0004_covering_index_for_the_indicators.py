"""covering index for the indicators: (resident_id, measured_at, id) INCLUDE the fields the indicators read
(PostgreSQL; SQLite keeps the key columns), replacing ix_reading_resident_measured

Revision ID: health_h_0004
Revises: health_h_0003
Create Date: 2026-11-21 08:50:47.937831
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'health_h_0004'
down_revision: str | Sequence[str] | None = 'health_h_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


INCLUDE = ['kind', 'deleted_at', 'received_at', 'systolic', 'diastolic', 'glucose_mg_dl', 'meal_context']


def upgrade() -> None:
    with op.batch_alter_table('reading', schema=None) as batch_op:
        batch_op.drop_index('ix_reading_resident_measured')
        batch_op.create_index('ix_reading_resident_measured_covering', ['resident_id', 'measured_at', 'id'],
                              unique=False, postgresql_include=INCLUDE)


def downgrade() -> None:
    with op.batch_alter_table('reading', schema=None) as batch_op:
        batch_op.drop_index('ix_reading_resident_measured_covering')
        batch_op.create_index('ix_reading_resident_measured', ['resident_id', 'measured_at'], unique=False)
