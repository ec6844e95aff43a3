-- The embedding of each recorded question, computed from its REDACTED text (the raw question is never stored or
-- embedded for this), so the gate can ask how close a new question is to the questions a workspace's team labelled
-- (issue G item 1: labelled neighbours; feedback/answerability_refit.py). Scoped like its interaction: the
-- workspace (team_id) and the collection whose calibration answered it; removed with the interaction.
-- depends: 0020_request_files

CREATE TABLE question_vectors (
    interaction_id   uuid PRIMARY KEY REFERENCES interactions(id) ON DELETE CASCADE,
    team_id          text NOT NULL DEFAULT '',
    collection       text NOT NULL,
    embedding_model  text NOT NULL,
    embedding        vector NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX question_vectors_scope ON question_vectors (team_id, collection, embedding_model);
