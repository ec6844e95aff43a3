-- Web sources and schedules (issue H): a source may be a sitemap or a crawl from a start page (HTML pages fetched
-- politely into ANSWERLOOP_HOME/sources/NAME with robots.txt honoured and conditional requests, then ingested like
-- a folder), and any source may carry a period (`--every 6h`) after which the beat's `sync_due_sources` task syncs
-- it. A sync that fails records its error and the attempt, so the next try waits a period too.
-- depends: 0014_kb_sources

ALTER TABLE kb_sources DROP CONSTRAINT kb_sources_kind_check;
ALTER TABLE kb_sources ADD CONSTRAINT kb_sources_kind_check CHECK (kind IN ('path', 'git', 'sitemap', 'crawl'));

ALTER TABLE kb_sources
    ADD COLUMN max_pages        integer CHECK (max_pages > 0),           -- web: at most this many pages a sync
    ADD COLUMN same_prefix      boolean NOT NULL DEFAULT false,          -- crawl: only under the start page's folder
    ADD COLUMN delay_s          real NOT NULL DEFAULT 1 CHECK (delay_s >= 0 AND delay_s <= 60),  -- web: between requests
    ADD COLUMN every_s          integer CHECK (every_s >= 60),           -- the period of scheduled syncs (NULL: none)
    ADD COLUMN last_attempt_at  timestamptz,                             -- the last sync, done or failed
    ADD COLUMN last_error       text NOT NULL DEFAULT '';
