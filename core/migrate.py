"""Schema migrations with yoyo (plain SQL files in `migrations/`, one transaction each)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from yoyo import get_backend, read_migrations

from core.errors import AnswerloopError, ConfigError, DatabaseUnavailable


class MigrationFailed(AnswerloopError):
    pass


def migrations_dir() -> Path:
    """ANSWERLOOP_MIGRATIONS_DIR, else `migrations/` at the top of the project (a checkout, an editable install),
    else the copy a regular install puts in `<prefix>/share/answerloop/migrations` (pyproject data-files)."""
    override = os.environ.get("ANSWERLOOP_MIGRATIONS_DIR")
    if override:
        candidates = [Path(override)]
    else:
        candidates = [
            Path(__file__).resolve().parents[1] / "migrations",
            Path(sys.prefix) / "share/answerloop/migrations",
        ]
    for folder in candidates:
        if any(folder.glob("*.sql")):
            return folder
    raise MigrationFailed(
        f"No migrations found (looked in {', '.join(str(c) for c in candidates)}).",
        hint="Run from a checkout or an install of Answerloop, or point ANSWERLOOP_MIGRATIONS_DIR at its migrations/.",
    )


def _yoyo_url(url: str) -> str:
    from urllib.parse import urlsplit

    from core.db import as_url

    try:
        url = as_url(url)
        urlsplit(url).port  # noqa: B018 - a port that is not a number raises here, not deep inside yoyo
    except (psycopg.ProgrammingError, ValueError) as exc:
        raise ConfigError(
            f"DATABASE_URL is not a Postgres connection URL: {_first_line(exc)}",
            hint="e.g. postgresql://user:password@host:5432/dbname (or unset DATABASE_URL for the embedded one).",
        ) from None
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class MigrationState:
    id: str
    applied: bool


def _backend_and_migrations(url: str):
    backend = get_backend(_yoyo_url(url))
    return backend, read_migrations(str(migrations_dir()))


# Data steps a schema change needs but SQL can't do (e.g. the keyword index, tokenised in Python): registered by
# the layers that own them, run after every upgrade that applied something (each must be idempotent).
AFTER_UPGRADE: list[Callable[[str], None]] = []


def upgrade(url: str) -> list[str]:
    """Apply pending migrations (idempotent; serialised across processes by yoyo's lock).

    Each migration runs in its own transaction: a failing one leaves the schema at the previous version.
    """
    with _database_errors():
        backend, migrations = _backend_and_migrations(url)
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
    if pending:
        for step in AFTER_UPGRADE:
            step(url)
    return [m.id for m in pending]


def status(url: str) -> list[MigrationState]:
    with _database_errors():
        backend, migrations = _backend_and_migrations(url)
        applied = {m.id for m in migrations if backend.is_applied(m)}
    return [MigrationState(m.id, m.id in applied) for m in migrations]


@contextmanager
def _database_errors() -> Iterator[None]:
    try:
        yield
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"Cannot connect to Postgres: {_first_line(exc)}") from exc
    except psycopg.Error as exc:
        message = _first_line(exc)
        hint = "Fix the cause above and run `answerloop db upgrade` again; applied migrations are kept."
        if 'extension "vector"' in message:
            hint = (
                "This Postgres has no pgvector: install it (e.g. the postgresql-NN-pgvector package or a build "
                "from source), or unset DATABASE_URL to use the embedded Postgres that ships with it."
            )
        raise MigrationFailed(f"A migration failed: {message}", hint=hint) from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
