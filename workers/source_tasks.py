"""Scheduled source syncs: the beat sends `sync_due_sources` to the ingest queue every minute; the worker that
gets it syncs, one after another, the sources whose period (`kb sources add … --every 6h`) has passed since their
last try. Each sync holds the source's Postgres advisory lock and checks again that the source is still due once
it holds it, so two beats (or a beat and `kb sources sync`) never sync one source twice."""

from __future__ import annotations

import logging

from core import db
from core.settings import get_settings
from workers.celery_app import celery_app
from workers.embeddings import get_embedder
from workers.kb import sources

log = logging.getLogger(__name__)


@celery_app.task(name="workers.source_tasks.sync_due_sources", acks_late=False)
def sync_due_sources() -> str:
    """Sync the due sources; a summary for the worker's log. A failed sync is recorded on its source (shown by
    `kb sources list`) and the next one goes on."""
    settings = get_settings()
    url = db.database_url(settings)
    with db.connect(url) as conn:
        due = sources.due_sources(conn)
    if not due:
        return "no source due"
    ingest = sources.inline_ingest(url, settings, get_embedder(settings))
    outcomes = []
    for name in due:
        try:
            report = sources.sync_source(
                url, name, settings.home, ingest, max_bytes=settings.max_file_bytes, only_if_due=True
            )
        except sources.SyncBusy:
            outcomes.append(f"{name}: busy elsewhere")
            continue
        except Exception as exc:  # recorded on the source (kb sources list); the next source still syncs
            log.warning("source sync failed", extra={"source": name, "error": str(exc)[:300]})
            outcomes.append(f"{name}: failed")
            continue
        if report is None:
            outcomes.append(f"{name}: synced elsewhere")
        else:
            outcomes.append(
                f"{name}: {report['added']} added, {report['updated']} updated, {report['removed']} removed, "
                f"{len(report['failed'])} skipped"
            )
    return "; ".join(outcomes)
