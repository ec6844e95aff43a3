"""Postgres connections (psycopg 3): one URL resolution, a pool for long-lived processes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg
from pgvector.psycopg import register_vector
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from core.errors import DatabaseUnavailable
from core.settings import Settings, get_settings

# Every connection of ours returns rows as dicts (row_factory=dict_row): annotate with this, not bare
# psycopg.Connection, whose rows are tuples to a type checker.
Conn = psycopg.Connection[DictRow]


def one(cursor: psycopg.Cursor[DictRow]) -> DictRow:
    """The row of a statement that always yields exactly one: an aggregate, an INSERT … RETURNING."""
    row = cursor.fetchone()
    if row is None:
        raise RuntimeError("the statement returned no row")
    return row


_lock = threading.Lock()
_pools: dict[str, ConnectionPool[Conn]] = {}
_resolved_url: dict[int, str] = {}


def database_url(settings: Settings | None = None) -> str:
    """The configured DATABASE_URL, or the embedded server's (started on demand)."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    key = id(settings)
    if key not in _resolved_url:
        from core.embedded_pg import embedded_url

        _resolved_url[key] = embedded_url(settings.home)
    return _resolved_url[key]


def _configure(conn: Conn) -> None:
    with suppress(psycopg.ProgrammingError):  # the vector extension does not exist before the first migration
        register_vector(conn)
    conn.commit()


def connect(url: str | None = None, *, autocommit: bool = False) -> Conn:
    url = url or database_url()
    try:
        conn = psycopg.connect(url, autocommit=autocommit, row_factory=dict_row, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"Cannot connect to Postgres: {_first_line(exc)}") from exc
    if autocommit:
        with suppress(psycopg.ProgrammingError):
            register_vector(conn)
    else:
        _configure(conn)
    return conn


def get_pool(url: str | None = None) -> ConnectionPool[Conn]:
    url = url or database_url()
    with _lock:
        pool = _pools.get(url)
        if pool is None:
            settings = get_settings()
            pool = ConnectionPool[Conn](
                url,
                min_size=1,
                max_size=settings.db_pool_max,
                kwargs={"row_factory": dict_row, "connect_timeout": max(1, round(settings.db_timeout_s))},
                configure=_configure,
                check=ConnectionPool.check_connection,  # after a Postgres restart, never hand out a dead one
                timeout=settings.db_timeout_s,
                open=False,
                name="answerloop",
            )
            try:
                pool.open(wait=True, timeout=settings.db_timeout_s)
            except Exception as exc:
                pool.close(timeout=0)  # stop its background connection attempts
                raise DatabaseUnavailable(f"Cannot connect to Postgres: {_first_line(exc)}") from exc
            _pools[url] = pool
        return pool


@contextmanager
def connection(url: str | None = None) -> Iterator[Conn]:
    """A pooled connection inside a transaction (committed on success, rolled back on error).

    When Postgres is unreachable the pool is dropped, so the next call starts a fresh one that connects at
    once: a pool left alone would retry with exponential backoff and could stay empty for minutes after
    Postgres is back."""
    url = url or database_url()
    try:
        with get_pool(url).connection() as conn:
            yield conn
    except psycopg.OperationalError as exc:
        _discard_pool(url)
        raise DatabaseUnavailable(f"Lost the connection to Postgres: {_first_line(exc)}") from exc
    except PoolTimeout as exc:
        _discard_pool(url)
        raise DatabaseUnavailable(f"No Postgres connection within {get_settings().db_timeout_s:g} s: {exc}") from exc


def _discard_pool(url: str) -> None:
    with _lock:
        pool = _pools.pop(url, None)
    if pool is not None:
        pool.close(timeout=0)  # idle connections now; ones still in use when they come back


def close_pools() -> None:
    with _lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()
        _resolved_url.clear()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def as_url(conninfo: str, *, dbname: str | None = None) -> str:
    """Any libpq conninfo (URL or key=value) as a postgresql:// URL, optionally for another database."""
    from urllib.parse import quote, urlencode

    info = psycopg.conninfo.conninfo_to_dict(conninfo)
    if dbname:
        info["dbname"] = dbname
    user = quote(str(info.pop("user", "") or ""), safe="")
    password = info.pop("password", None)
    host = str(info.pop("host", "") or "")
    port = info.pop("port", None)
    name = quote(str(info.pop("dbname", "") or ""), safe="")
    auth = f"{user}:{quote(str(password), safe='')}@" if password else (f"{user}@" if user else "")
    netloc = "" if host.startswith("/") or not host else host + (f":{port}" if port else "")
    query = dict(info)
    if host.startswith("/"):
        query["host"] = host
        if port:
            query["port"] = port
    return f"postgresql://{auth}{netloc}/{name}" + (f"?{urlencode(query)}" if query else "")
