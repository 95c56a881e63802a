"""UTC time buckets in SQL, on SQLite and PostgreSQL (the ON CONFLICT insert is services.common.db.insert_for)."""


def bucket_sql(dialect: str, column: str, period: str) -> str:
    """SQL for the start of the UTC minute/hour holding `column`, in the column's own storage format."""
    if dialect == "postgresql":
        return f"date_trunc('{period}', {column}, 'UTC')"
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' text: keep that exact format.
    fmt = {"minute": "%Y-%m-%d %H:%M:00.000000", "hour": "%Y-%m-%d %H:00:00.000000"}[period]
    return f"strftime('{fmt}', {column})"
