-- Knowledge base: collections, documents, heading-aware chunks with full-text and vector search.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE collections (
    name        text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    id               bigserial PRIMARY KEY,
    collection       text NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
    source_path      text NOT NULL,            -- path relative to the ingested folder
    title            text NOT NULL,
    url              text NOT NULL,            -- link to the document (URL base + path, or file path)
    format           text NOT NULL,
    content_hash     text NOT NULL,            -- sha256 of the raw bytes: unchanged files are skipped
    embedding_model  text NOT NULL,            -- re-embed when the configured embedder changes
    chunk_count      integer NOT NULL DEFAULT 0,
    ingested_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (collection, source_path)
);

CREATE TABLE chunks (
    id             bigserial PRIMARY KEY,
    document_id    bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    collection     text NOT NULL,
    ordinal        integer NOT NULL,
    section_title  text NOT NULL,
    heading_path   text[] NOT NULL DEFAULT '{}',
    link           text NOT NULL,             -- URL or path#anchor of the section
    content        text NOT NULL,
    tsv            tsvector GENERATED ALWAYS AS (
                       setweight(to_tsvector('english', coalesce(section_title, '')), 'A') ||
                       setweight(to_tsvector('english', content), 'B')
                   ) STORED,
    -- Untyped so that embedders of any dimension fit; indexes are per dimension (expression + partial).
    embedding      vector,
    UNIQUE (document_id, ordinal)
);

CREATE INDEX chunks_tsv_gin ON chunks USING gin (tsv);
CREATE INDEX chunks_collection ON chunks (collection);
CREATE INDEX chunks_document ON chunks (document_id);
-- all-MiniLM-L6-v2 (the offline default) has 384 dimensions.
CREATE INDEX chunks_embedding_hnsw_384 ON chunks
    USING hnsw ((embedding::vector(384)) vector_cosine_ops)
    WHERE vector_dims(embedding) = 384;
