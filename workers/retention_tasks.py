"""The daily retention purge (Celery beat, ingest queue), when ANSWERLOOP_RETENTION_DAYS is set: the same purge as
`answerloop db purge --older-than Nd` (workers/retention.py: old interactions and every other copy of their
questions — gaps digests, retune/eval reports), recorded in the audit log as done by "beat"."""

from __future__ import annotations

import logging
from datetime import timedelta

from core import db
from core.settings import get_settings
from workers.celery_app import celery_app
from workers.retention import purge

log = logging.getLogger(__name__)


@celery_app.task(name="workers.retention_tasks.purge_old_interactions", acks_late=False)
def purge_old_interactions() -> str:
    settings = get_settings()
    if not settings.retention_days:
        return "retention off (ANSWERLOOP_RETENTION_DAYS unset): nothing purged"
    result = purge(db.database_url(settings), older_than=timedelta(days=settings.retention_days), actor="beat")
    summary = result.summary()
    log.info("retention: %s", summary)
    return summary
