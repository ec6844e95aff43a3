-- BM25 keyword search computed in SQL from per-collection term statistics, and sentence embeddings stored at
-- ingest (the extractive answerer reads them instead of embedding sentences at question time).
-- depends: 0006_slack_installations

-- Postings: one row per (chunk, term), written by the application's tokeniser (workers.search.tokens), the
-- same tokenisation the question goes through. `dl` is the chunk's length in terms; `impact` is the term's
-- BM25 tf-part at the collection's average length when written: postings are read best-impact first and
-- capped per term, so a common word never makes a query rank every chunk that contains it.
CREATE TABLE chunk_terms (
    chunk_id    bigint NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    collection  text NOT NULL,
    term        text NOT NULL,
    tf          integer NOT NULL CHECK (tf > 0),
    dl          integer NOT NULL CHECK (dl > 0),
    impact      real NOT NULL,
    PRIMARY KEY (chunk_id, term)
);
CREATE INDEX chunk_terms_postings ON chunk_terms (collection, term, impact DESC) INCLUDE (chunk_id, tf, dl);

-- Document frequency per collection and term; kept exact by the statement triggers below.
CREATE TABLE collection_terms (
    collection  text NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
    term        text NOT NULL,
    df          integer NOT NULL,
    PRIMARY KEY (collection, term)
);

CREATE TABLE collection_stats (
    collection   text PRIMARY KEY REFERENCES collections(name) ON DELETE CASCADE,
    chunks       integer NOT NULL DEFAULT 0,
    total_terms  bigint NOT NULL DEFAULT 0
);

-- Deltas are applied as ordered upserts (increments and decrements alike), so two ingests of one collection
-- lock the same rows in the same order. A collection being removed is skipped (its rows go with it).
CREATE FUNCTION chunk_terms_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO collection_terms AS ct (collection, term, df)
        SELECT d.collection, d.term, count(*) FROM new_rows d
        WHERE EXISTS (SELECT 1 FROM collections c WHERE c.name = d.collection)
        GROUP BY d.collection, d.term ORDER BY d.collection, d.term
        ON CONFLICT (collection, term) DO UPDATE SET df = ct.df + EXCLUDED.df;
        INSERT INTO collection_stats AS cs (collection, chunks, total_terms)
        SELECT d.collection, count(DISTINCT d.chunk_id), sum(d.tf) FROM new_rows d
        WHERE EXISTS (SELECT 1 FROM collections c WHERE c.name = d.collection)
        GROUP BY d.collection ORDER BY d.collection
        ON CONFLICT (collection) DO UPDATE SET chunks = cs.chunks + EXCLUDED.chunks,
                                               total_terms = cs.total_terms + EXCLUDED.total_terms;
    ELSE
        INSERT INTO collection_terms AS ct (collection, term, df)
        SELECT d.collection, d.term, -count(*) FROM old_rows d
        WHERE EXISTS (SELECT 1 FROM collections c WHERE c.name = d.collection)
        GROUP BY d.collection, d.term ORDER BY d.collection, d.term
        ON CONFLICT (collection, term) DO UPDATE SET df = ct.df + EXCLUDED.df;
        INSERT INTO collection_stats AS cs (collection, chunks, total_terms)
        SELECT d.collection, -count(DISTINCT d.chunk_id), -sum(d.tf) FROM old_rows d
        WHERE EXISTS (SELECT 1 FROM collections c WHERE c.name = d.collection)
        GROUP BY d.collection ORDER BY d.collection
        ON CONFLICT (collection) DO UPDATE SET chunks = cs.chunks + EXCLUDED.chunks,
                                               total_terms = cs.total_terms + EXCLUDED.total_terms;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER chunk_terms_counted_insert AFTER INSERT ON chunk_terms
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chunk_terms_count();
CREATE TRIGGER chunk_terms_counted_delete AFTER DELETE ON chunk_terms
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION chunk_terms_count();

-- Sentences worth quoting, embedded once at ingest.
CREATE TABLE chunk_sentences (
    chunk_id   bigint NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    ordinal    integer NOT NULL,
    text       text NOT NULL,
    embedding  vector,
    PRIMARY KEY (chunk_id, ordinal)
);

-- Label-free answerability calibration per collection (workers.answerability), refreshed after ingests.
CREATE TABLE collection_calibration (
    collection   text PRIMARY KEY REFERENCES collections(name) ON DELETE CASCADE,
    model        jsonb NOT NULL,
    chunks       integer NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now()
);
