"""Dialect helpers the health hubs share: an INSERT that can skip conflicts on SQLite and PostgreSQL."""

from sqlmodel import Session


def insert_for(session: Session, table):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
