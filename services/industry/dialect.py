"""Small dialect helpers: the INSERT that knows ON CONFLICT, and UTC time buckets, on SQLite and PostgreSQL."""

from sqlalchemy.dialects import postgresql, sqlite


def insert_for(session_or_conn, table):
    """`INSERT` with `.on_conflict_do_nothing()` / `.on_conflict_do_update()` for the connection's dialect."""
    name = session_or_conn.get_bind().dialect.name if hasattr(session_or_conn, "get_bind") else \
        session_or_conn.dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


def bucket_sql(dialect: str, column: str, period: str) -> str:
    """SQL for the start of the UTC minute/hour holding `column`, in the column's own storage format."""
    if dialect == "postgresql":
        return f"date_trunc('{period}', {column}, 'UTC')"
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' text: keep that exact format.
    fmt = {"minute": "%Y-%m-%d %H:%M:00.000000", "hour": "%Y-%m-%d %H:00:00.000000"}[period]
    return f"strftime('{fmt}', {column})"
