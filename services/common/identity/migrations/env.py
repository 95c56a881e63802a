"""Alembic environment of the identity database."""

from alembic import context

from services.common.identity.models import IdentityModel
from services.common.migrate import run_env

run_env(context, IdentityModel.metadata)
