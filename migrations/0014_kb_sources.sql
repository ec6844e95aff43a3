-- Sources that stay in sync (issue H): a named local folder or Git repository feeding one collection.
-- `answerloop kb sources sync` fetches a Git source into ANSWERLOOP_HOME/sources/NAME and ingests it (inline or
-- as a queued job) incrementally: unchanged files by content hash, changed passages through the embedding cache,
-- deleted files removed, a renamed file re-added from cached vectors. One source per collection: a sync removes
-- the collection's documents that its source no longer has.
-- depends: 0013_ingest_jobs

CREATE TABLE kb_sources (
    name            text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    collection      text NOT NULL UNIQUE REFERENCES collections(name) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('path', 'git')),
    location        text NOT NULL,                 -- an absolute folder, or a Git URL (a local path or file:// too)
    branch          text,
    subdir          text NOT NULL DEFAULT '',
    url_base        text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_synced_at  timestamptz,
    last_revision   text,                          -- the Git commit ingested last
    last_report     jsonb
);
