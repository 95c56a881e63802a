"""Database plumbing: engines, the request session, a UTC datetime type and the naming convention."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, Table, create_engine, event, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

from services.common.errors import Conflict, NotFound

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_registry() -> registry:
    """A registry with its own metadata, so two services may both have a table of the same name."""
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def utcnow() -> datetime:
    return datetime.now(UTC)


def get_or_404(session: Session, model, key, *, what: str, code: str):
    """The row with this primary key, or NotFound(`<what> <key> not found`, code) (a 404 with a stable code)."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"{what} {key} not found", code=code)
    return row


def add_new(session: Session, model, data, *, what: str, code: str):
    """A row made from `data` (a schema whose `id` the caller chose), added and flushed; Conflict(code) when a row
    with that id exists."""
    if session.get(model, data.id) is not None:
        raise Conflict(f"{what} {data.id} exists", code=code)
    row = model(**data.model_dump())
    session.add(row)
    session.flush()
    return row


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC on SQLite and PostgreSQL alike; naive input is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # pysqlite's own BEGIN handling is switched off so that BEGIN IMMEDIATE below takes the write
            # lock at the start of every transaction: writers queue instead of failing on upgrade.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def get_session(request: Request) -> Iterator[Session]:
    """The one commit site: commit after the handler, roll back on any error."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session, scope="function")]



def bulk_insert(session: Session, table: Table, rows: list[dict]) -> None:
    """Demo-seed rows (all with the same keys) through the driver's executemany, each value bound by its column's
    type as SQLAlchemy would: the ORM's per-row handling costs ~0.25 ms a row, too slow for a year of history."""
    if not rows:
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    dialect = session.get_bind().dialect
    binders = [c.type._cached_bind_processor(dialect) for c in columns]
    statement = insert(table).compile(dialect=dialect, column_keys=[c.name for c in columns])
    names = statement.positiontup or [c.name for c in columns]
    order = [[c.name for c in columns].index(n) for n in names] if statement.positional else None
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        for start in range(0, len(rows), 5000):
            batch = []
            for row in rows[start:start + 5000]:
                values = [b(row[c.name]) if b else row[c.name] for c, b in zip(columns, binders, strict=True)]
                batch.append([values[i] for i in order] if order is not None else
                             {c.name: v for c, v in zip(columns, values, strict=True)})
            cursor.executemany(str(statement), batch)
    finally:
        cursor.close()


def insert_for(session_or_conn, table):
    """`INSERT` with `.on_conflict_do_nothing()` / `.on_conflict_do_update()` for the connection's dialect
    (SQLite or PostgreSQL), from a session or a connection."""
    bind = session_or_conn.get_bind() if hasattr(session_or_conn, "get_bind") else session_or_conn
    return (postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert)(table)


def insert_new_rows(session: Session, table: Table, rows: list[dict], *, unique: list[str], returning: list[str]):
    """Many rows in one `INSERT ... ON CONFLICT (unique) DO NOTHING RETURNING returning` (rows that conflict are
    left out of the answer). On PostgreSQL the rows go as one JSON parameter (jsonb_populate_recordset): as
    VALUES they would be rows x columns parameters, which psycopg parses in Python, uncached past 50, at about
    a millisecond a row. Columns are taken from the first row; every row has the same keys."""
    if not rows:
        return []
    names = list(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        return session.execute(insert_for(session, table).on_conflict_do_nothing(index_elements=unique)
                               .returning(*(table.c[n] for n in returning)), rows).all()
    cols = ", ".join(f'"{n}"' for n in names)
    statement = text(
        f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM jsonb_populate_recordset(NULL::"{table.name}", '
        f'CAST(:rows AS jsonb)) ON CONFLICT ({", ".join(unique)}) DO NOTHING RETURNING '
        + ", ".join(f'"{n}"' for n in returning)
    ).columns(*(table.c[n] for n in returning))
    return session.execute(statement, {"rows": json.dumps(rows, default=_json_value)}).all()


def _json_value(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, (date, uuid.UUID)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value")
