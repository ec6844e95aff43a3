"""What several command groups share: the pipeline, and collection names checked against the database."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg

from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError, DatabaseUnavailable, NotFound
from core.settings import get_settings

# The rule of collections.name (migrations/0001_knowledge_base.sql), checked before Postgres refuses it.
_COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_collection_name(name: str) -> None:
    """A new collection's name must fit the database's rule: say so, instead of Postgres' check violation."""
    if not _COLLECTION_NAME.fullmatch(name):
        raise AnswerloopError(
            f"{name!r} is not a collection name.",
            hint="Use letters, digits, '.', '_' and '-' (up to 64, starting with a letter or digit), e.g. handbook.",
        )


def require_collections(conn, names: list[str]) -> None:
    known = {r["name"] for r in conn.execute("SELECT name FROM collections").fetchall()}
    missing = [n for n in names if n not in known]
    if missing:
        raise NotFound(
            f"Unknown collection(s): {', '.join(missing)}.",
            hint=f"Known: {', '.join(sorted(known)) or 'none yet'}. Ingest with `answerloop kb ingest PATH -c NAME`.",
        )


@contextmanager
def all_or_none(ids: Sequence[int]) -> Iterator[list[int]]:
    """A command given several ids (`labels approve 12 13 14`, `verified retire …`) changes all of them or none:
    the caller commits once, after the last; an error on one (unknown, another workspace's, already retired) leaves
    the transaction uncommitted — its connection rolls it back — and says that nothing was changed. Yields the
    ids once each, in the order given (the same id twice is one change)."""
    unique = list(dict.fromkeys(ids))
    try:
        yield unique
    except AnswerloopError as exc:
        if len(unique) > 1:
            exc.args = (f"{exc} Nothing was changed: none of {', '.join(map(str, unique))}.", *exc.args[1:])
        raise


def all_collections(conn) -> list[str]:
    return [r["name"] for r in conn.execute("SELECT name FROM collections ORDER BY name").fetchall()]


def build_pipeline():
    """The answer pipeline on the configured (or embedded) database, its schema checked."""
    from workers.pipeline import Pipeline

    settings = get_settings()
    return Pipeline(settings, database_url=ready_database(settings))


def resolve_collections(pipeline, names: list[str] | None) -> list[str]:
    with db.connect(pipeline.database_url) as conn:
        if names:
            require_collections(conn, names)
            return names
        return all_collections(conn)


def database_location() -> str:
    """Where the command's Postgres is, for an error message: host:port and database of DATABASE_URL (never its
    user or password), or the embedded server's data folder."""
    try:
        settings = get_settings()
    except Exception:  # the settings themselves are broken: that error is reported on its own
        return "the configured Postgres"
    if not settings.database_url:
        return f"the embedded Postgres in {settings.home / 'pgdata'}"
    try:
        info = psycopg.conninfo.conninfo_to_dict(settings.database_url)
    except psycopg.Error:
        return "the Postgres of DATABASE_URL (which is not a valid connection URL)"
    host = str(info.get("host") or "localhost").split(",")[0]
    port = str(info.get("port") or "5432").split(",")[0]
    name = info.get("dbname")
    return f"Postgres at {host}:{port}" + (f" (database {name})" if name else "")


def _psycopg_cause(exc: BaseException) -> psycopg.Error | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, psycopg.Error):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


# SQLSTATEs of a connection that failed or was ended: class 08 (connection exception), the server shutting down
# or ending the session (57P01-57P03), no free connection slot (53300). Other OperationalErrors — a statement
# timeout, a lock not available, a full disk — happen on a working connection and are not reported as lost.
_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03", "53300")


def _is_connection_failure(error: psycopg.Error | None) -> bool:
    if isinstance(error, psycopg.InterfaceError):  # "the connection is closed": used after it was lost
        return True
    if not isinstance(error, psycopg.OperationalError):
        return False
    state = error.sqlstate
    return state is None or state.startswith(_CONNECTION_STATES)  # None: libpq's own, e.g. server closed it


def database_unreachable(exc: BaseException) -> DatabaseUnavailable | None:
    """A lost or refused Postgres connection (psycopg's OperationalError or InterfaceError, raw or wrapped by
    core.db) as what went wrong, where and how to fix it; None for any other error. Used once, by the CLI's entry
    point, so that every command says the same instead of a psycopg traceback."""
    cause = _psycopg_cause(exc)
    if not _is_connection_failure(cause):
        return None
    assert cause is not None
    detail = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    where = database_location()
    lost = not isinstance(exc, DatabaseUnavailable) or str(exc).startswith("Lost")
    if lost:
        return DatabaseUnavailable(
            f"Lost the connection to {where} in the middle of the command: {detail}",
            hint="Postgres restarted, stopped or ended the session. Check it is running (`answerloop db status`), "
            "then run the command again; DATABASE_URL says which server is used.",
        )
    return DatabaseUnavailable(
        f"Cannot connect to {where}: {detail}",
        hint="Start Postgres, or point DATABASE_URL at a running one (`answerloop db status` checks it); "
        "unset DATABASE_URL to use the embedded one.",
    )
