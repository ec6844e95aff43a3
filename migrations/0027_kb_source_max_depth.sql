-- A crawl's depth limit per source (`kb sources add --crawl URL --max-depth N`): links followed from the start
-- page, as max_pages bounds the pages; NULL is the default (workers/kb/web_mirror.py DEFAULT_MAX_DEPTH).
-- depends: 0026_request_withdrawn

ALTER TABLE kb_sources ADD COLUMN max_depth integer CHECK (max_depth >= 0);
