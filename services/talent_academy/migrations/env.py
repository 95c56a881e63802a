"""Alembic environment of the talent_academy service."""

from alembic import context

import services.talent_academy.models as models
from services.common.migrate import run_env

models.load_all_tables()  # the tables live in the subdomain packages
run_env(context, models.TalentAcademyModel.metadata)
