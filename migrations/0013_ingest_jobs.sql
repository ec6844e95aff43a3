-- The ingest queue (issue H): `answerloop kb ingest` records a job and one row per file, and sends one Celery
-- task per batch of files to the `ingest` queue. A worker marks each file when its document is stored (or
-- skipped: unchanged by content hash, unreadable with the reason), so a redelivered batch does only what is still
-- pending, progress is exact under redelivery, and `kb jobs` shows progress and failures.
-- depends: 0012_embedding_cache

CREATE TABLE ingest_jobs (
    id              bigserial PRIMARY KEY,
    collection      text NOT NULL,
    root            text NOT NULL,                 -- absolute path, as the workers see it
    url_base        text,
    delete_missing  boolean NOT NULL DEFAULT true,
    batches         integer NOT NULL DEFAULT 0,
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'finishing', 'done', 'failed')),
    removed         integer NOT NULL DEFAULT 0,
    calibrated      boolean NOT NULL DEFAULT false,
    error           text NOT NULL DEFAULT '',
    created_by      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz
);
CREATE INDEX ingest_jobs_recent ON ingest_jobs (created_at DESC);

CREATE TABLE ingest_job_files (
    job_id       bigint NOT NULL REFERENCES ingest_jobs(id) ON DELETE CASCADE,
    path         text NOT NULL,                    -- relative to the job's root
    batch        integer NOT NULL,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'added', 'updated', 'unchanged', 'failed', 'ignored')),
    reason       text NOT NULL DEFAULT '',
    finished_at  timestamptz,
    PRIMARY KEY (job_id, path)
);
CREATE INDEX ingest_job_files_batch ON ingest_job_files (job_id, batch);
