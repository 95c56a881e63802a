"""learner consent, contact and erasure; learner access log; application numbers and status links; outcome employment date and evidence source

Revision ID: talent_a_0003
Revises: talent_a_0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import services.common.db

revision: str = 'talent_a_0003'
down_revision: str | Sequence[str] | None = 'talent_a_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_to_share', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('consent_at', services.common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.add_column(sa.Column('erased_at', services.common.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('evidence_source', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default='survey'))
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('application_no', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_enrolment_application_no'), ['application_no'])
    op.create_table('applicant_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', services.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_applicant_link_enrolment_id_enrolment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicant_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_applicant_link_token_hash'))
    )
    with op.batch_alter_table('applicant_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicant_link_enrolment_id'), ['enrolment_id'], unique=False)
    op.create_table('learner_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', services.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('actor_company', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('learner_id', sa.Uuid(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learner_access'))
    )
    with op.batch_alter_table('learner_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_access_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_learner_access_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learner_access_learner_id'), ['learner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('learner_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_access_learner_id'))
        batch_op.drop_index(batch_op.f('ix_learner_access_actor_id'))
        batch_op.drop_index(batch_op.f('ix_learner_access_at'))
    op.drop_table('learner_access')
    with op.batch_alter_table('applicant_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicant_link_enrolment_id'))
    op.drop_table('applicant_link')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_enrolment_application_no'), type_='unique')
        batch_op.drop_column('application_no')
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.drop_column('evidence_source')
        batch_op.drop_column('employed_on')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('contact')
        batch_op.drop_column('consent_at')
        batch_op.drop_column('consent_to_share')
