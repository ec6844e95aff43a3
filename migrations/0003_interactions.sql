-- Interactions: one row per question answered (redacted question only — never the raw text).
-- depends: 0002_prompt_versions

CREATE TABLE interactions (
    id                 uuid PRIMARY KEY,
    created_at         timestamptz NOT NULL DEFAULT now(),
    source             text NOT NULL,                 -- cli | batch | slack
    collections        text[] NOT NULL,
    question_redacted  text NOT NULL,
    answer             text NOT NULL,
    status             text NOT NULL CHECK (status IN ('answered', 'dont_know')),
    reason             text NOT NULL DEFAULT '',
    answerer           text NOT NULL,
    citations          jsonb NOT NULL DEFAULT '[]',
    closest            jsonb NOT NULL DEFAULT '[]',
    scores             jsonb NOT NULL DEFAULT '{}',
    guard              jsonb NOT NULL DEFAULT '{}',
    prompt_version_id  integer REFERENCES prompt_versions(id),
    timings_ms         jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX interactions_created ON interactions (created_at DESC);
CREATE INDEX interactions_prompt_version ON interactions (prompt_version_id);
