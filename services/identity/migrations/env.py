"""Alembic environment of the identity database."""

from alembic import context

from services.common.migrate import run_env
from services.identity.models import IdentityModel, load_all_tables

load_all_tables()
run_env(context, IdentityModel.metadata)
