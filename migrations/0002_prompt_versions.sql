-- Prompt versions: immutable rows; "active" is a movable pointer whose moves are recorded.
-- depends: 0001_knowledge_base

CREATE TABLE prompt_versions (
    id            serial PRIMARY KEY,
    instructions  text NOT NULL,
    few_shot      jsonb NOT NULL DEFAULT '[]',   -- [{question, answer, source_interaction_id?}]
    params        jsonb NOT NULL DEFAULT '{}',   -- answering parameters (fusion weights, k, thresholds)
    parent_id     integer REFERENCES prompt_versions(id),
    author        text NOT NULL,
    metrics       jsonb NOT NULL DEFAULT '{}',
    note          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION prompt_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'prompt versions are immutable: create a new version instead';
END $$;

CREATE TRIGGER prompt_versions_no_update
    BEFORE UPDATE OR DELETE ON prompt_versions
    FOR EACH ROW EXECUTE FUNCTION prompt_versions_immutable();

CREATE TABLE prompt_pointer (
    name        text PRIMARY KEY CHECK (name = 'active'),
    version_id  integer NOT NULL REFERENCES prompt_versions(id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text NOT NULL
);

CREATE TABLE prompt_activations (
    id                   bigserial PRIMARY KEY,
    version_id           integer NOT NULL REFERENCES prompt_versions(id),
    previous_version_id  integer REFERENCES prompt_versions(id),
    actor                text NOT NULL,
    reason               text NOT NULL DEFAULT '',
    at                   timestamptz NOT NULL DEFAULT now()
);

INSERT INTO prompt_versions (id, instructions, few_shot, params, author, note) VALUES (
    1,
    'You answer questions from a team''s internal documents. Use ONLY the numbered passages given to you. '
    'Answer in at most a few short sentences, plainly, in the language of the question. '
    'Every claim must be supported by a passage you cite by its id; quote the supporting words verbatim. '
    'If the passages do not contain the answer, set can_answer to false and do not guess.',
    '[]',
    '{"rrf_k": 60, "fts_weight": 0.5, "vector_weight": 1.0, "candidates": 40, "top_k": 8, "context_k": 5,
      "abstain_threshold": 0.34, "grounding_threshold": 0.5, "max_answer_sentences": 3, "temperature": 0.0}',
    'seed',
    'Seed version created by migration 0002.'
);
ALTER SEQUENCE prompt_versions_id_seq RESTART WITH 2;
INSERT INTO prompt_pointer (name, version_id, updated_by) VALUES ('active', 1, 'migration');
INSERT INTO prompt_activations (version_id, actor, reason) VALUES (1, 'migration', 'seed');
