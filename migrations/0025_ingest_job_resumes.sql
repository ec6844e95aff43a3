-- A queued ingest job whose batch tasks are gone (a Postgres or Redis outage longer than the tasks' retries, a
-- broker that lost its queue) is resumed by the beat (workers/ingest_tasks.resume_stalled_jobs): resumed_at is
-- when it last was, so a resumed job is not resumed again before it has had time to run, and resumes counts the
-- times, so a job that never progresses is failed with why instead of being resent for ever.
-- depends: 0024_canary_rejected_outcome

ALTER TABLE ingest_jobs ADD COLUMN resumed_at timestamptz;
ALTER TABLE ingest_jobs ADD COLUMN resumes integer NOT NULL DEFAULT 0;
