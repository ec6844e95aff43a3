"""Make a database usable: resolve its URL (embedded when unset) and bring the schema up to date."""

from __future__ import annotations

from core import db, migrate
from core.errors import DatabaseUnavailable
from core.settings import Settings


def ready_database(settings: Settings, *, auto_migrate: bool | None = None) -> str:
    """Return the database URL with the schema current.

    The embedded database is migrated automatically; a configured one only when asked, so that production
    upgrades stay an explicit step (`answerloop db upgrade`).
    """
    url = db.database_url(settings)
    if auto_migrate is None:
        auto_migrate = not settings.database_url
    try:
        pending = [m.id for m in migrate.status(url) if not m.applied]
    except Exception as exc:
        raise DatabaseUnavailable(f"Cannot read the schema version: {str(exc).splitlines()[0]}") from exc
    if pending:
        if not auto_migrate:
            raise DatabaseUnavailable(
                f"The database schema is behind ({len(pending)} migration(s) pending: {', '.join(pending)}).",
                hint="Run `answerloop db upgrade`.",
            )
        migrate.upgrade(url)
    return url
