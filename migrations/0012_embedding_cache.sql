-- Content-addressed embeddings (issue H): each distinct text is embedded once per model. Ingestion looks up
-- (model, sha256 of the exact text embedded) before calling the model, so re-ingesting an unchanged or partly
-- changed source, an identical page in another collection, or a chunk that moved to another file costs a lookup.
-- Rows are never updated (same key, same vector); they are not tied to documents, so removing a document keeps
-- its vectors for the next time the same text comes back.
-- depends: 0010_prompt_scopes

CREATE TABLE embedding_cache (
    model        text NOT NULL,
    text_sha256  bytea NOT NULL CHECK (length(text_sha256) = 32),
    embedding    vector NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, text_sha256)
);
