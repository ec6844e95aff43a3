"""Schema migrations with yoyo (plain SQL files in `migrations/`, one transaction each)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from yoyo import get_backend, read_migrations


def migrations_dir() -> Path:
    """`migrations/` at the top of the project (override with ANSWERLOOP_MIGRATIONS_DIR)."""
    override = os.environ.get("ANSWERLOOP_MIGRATIONS_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[1] / "migrations"


def _yoyo_url(url: str) -> str:
    from core.db import as_url

    url = as_url(url)
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


def upgrade(url: str) -> list[str]:
    """Apply pending migrations (idempotent; serialised across processes by yoyo's lock)."""
    backend, migrations = _backend_and_migrations(url)
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]


def status(url: str) -> list[MigrationState]:
    backend, migrations = _backend_and_migrations(url)
    applied = {m.id for m in migrations if backend.is_applied(m)}
    return [MigrationState(m.id, m.id in applied) for m in migrations]
