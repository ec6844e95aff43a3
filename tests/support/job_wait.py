"""Following a queued ingest job from a test, as `kb ingest` does: its progress row once it has ended."""

from __future__ import annotations

import time

from core import db
from workers.kb import jobs


def job_ended(url: str, job_id: int, timeout: float) -> dict:
    """The job's progress row once it is done or failed, or as it stood when `timeout` seconds ran out."""
    deadline = time.monotonic() + timeout
    while True:
        with db.connect(url) as conn:
            row = jobs.progress(conn, job_id)
        assert row is not None, f"no ingest job {job_id}"
        if row["status"] in ("done", "failed") or time.monotonic() >= deadline:
            return row
        time.sleep(0.3)
