"""The identity database's SQLModel registry; the tables live in accounts/, devices/ and sign_in/ models."""

from sqlmodel import SQLModel

from services.common.db import new_registry


class IdentityModel(SQLModel, registry=new_registry()):
    pass


def load_all_tables() -> None:
    """Imports every module that defines identity tables, so the metadata is complete (migrations, tests)."""
    import services.identity.accounts.models  # noqa: F401
    import services.identity.devices.models  # noqa: F401
    import services.identity.sign_in.models  # noqa: F401
