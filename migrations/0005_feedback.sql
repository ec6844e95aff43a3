-- The feedback flywheel: labels (reactions, corrections, expert replies), verified answers, per-document
-- feedback weights, reviews of retuned prompt versions, stored retune/eval reports, and the admin audit log.
-- depends: 0004_slack

CREATE TABLE labels (
    id                 bigserial PRIMARY KEY,
    interaction_id     uuid NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    kind               text NOT NULL CHECK (kind IN ('up', 'down', 'correction')),
    source             text NOT NULL CHECK (source IN ('reaction', 'modal', 'thread_reply', 'admin')),
    team_id            text NOT NULL DEFAULT '',
    channel_id         text NOT NULL DEFAULT '',
    user_id            text NOT NULL,                 -- who gave it: a Slack user id, or an admin's name
    user_name          text NOT NULL DEFAULT '',      -- display name (shown as "verified by …")
    reactions          text[] NOT NULL DEFAULT '{}',  -- the user's reactions currently holding this vote
    reasons            text[] NOT NULL DEFAULT '{}',  -- on 👎: wrong | outdated | incomplete | off_topic
    comment            text NOT NULL DEFAULT '',      -- PII-redacted
    correction         text,                          -- PII-redacted corrected answer (kind = correction)
    pii                jsonb NOT NULL DEFAULT '{}',   -- what was redacted from comment/correction: types only
    permalink          text NOT NULL DEFAULT '',      -- the answer's Slack permalink
    status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'approved', 'rejected', 'retracted')),
    split              text NOT NULL CHECK (split IN ('train', 'heldout')),  -- fixed at creation
    prompt_version_id  integer REFERENCES prompt_versions(id),  -- the version that produced the answer
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    reviewed_by        text,
    reviewed_at        timestamptz,
    review_note        text NOT NULL DEFAULT '',
    CHECK ((kind = 'correction') = (correction IS NOT NULL))
);

-- One vote per user per answer: changing 👍 to 👎 updates the row, removing the reaction retracts it.
CREATE UNIQUE INDEX labels_one_vote ON labels (interaction_id, user_id) WHERE kind IN ('up', 'down');
CREATE INDEX labels_interaction ON labels (interaction_id);
CREATE INDEX labels_status ON labels (status, kind, created_at DESC);

-- Approved corrections published as documents of the knowledge base (format 'verified').
CREATE TABLE verified_answers (
    label_id      bigint PRIMARY KEY REFERENCES labels(id) ON DELETE CASCADE,
    document_id   bigint REFERENCES documents(id) ON DELETE SET NULL,
    collection    text NOT NULL,
    question      text NOT NULL,   -- redacted
    answer        text NOT NULL,   -- redacted
    verified_by   text NOT NULL,
    approved_by   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Votes on answers that cited a document: its ranking weight is 1 + w·(ups − downs)/(ups + downs + 2),
-- bounded by the prompt version's doc_boost_weight w.
CREATE TABLE document_feedback (
    document_id  bigint PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    ups          integer NOT NULL DEFAULT 0,
    downs        integer NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Retune and eval reports: every comparison is stored and printable.
CREATE TABLE eval_reports (
    id                    bigserial PRIMARY KEY,
    kind                  text NOT NULL CHECK (kind IN ('retune', 'eval')),
    actor                 text NOT NULL,
    dry_run               boolean NOT NULL DEFAULT false,
    baseline_version_id   integer REFERENCES prompt_versions(id),
    candidate_version_id  integer REFERENCES prompt_versions(id),
    decision              text NOT NULL,
    summary               text NOT NULL DEFAULT '',
    report                jsonb NOT NULL DEFAULT '{}',
    created_at            timestamptz NOT NULL DEFAULT now()
);

-- A retuned version that won but waits for an admin (auto-promotion off), or an admin's verdict on it.
CREATE TABLE prompt_reviews (
    version_id   integer PRIMARY KEY REFERENCES prompt_versions(id),
    status       text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    report_id    bigint REFERENCES eval_reports(id),
    decided_by   text,
    decided_at   timestamptz,
    note         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Who changed what, and when: every admin action that changes state.
CREATE TABLE admin_actions (
    id       bigserial PRIMARY KEY,
    actor    text NOT NULL,
    action   text NOT NULL,
    target   text NOT NULL,
    details  jsonb NOT NULL DEFAULT '{}',
    at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX admin_actions_at ON admin_actions (at DESC);
CREATE INDEX interactions_source_created ON interactions (source, created_at DESC);

-- Pointer moves by kind, so that `prompts rollback` can walk back through promotions and activations.
ALTER TABLE prompt_activations ADD COLUMN kind text NOT NULL DEFAULT 'activate'
    CHECK (kind IN ('seed', 'activate', 'promote', 'approve', 'rollback'));
UPDATE prompt_activations SET kind = 'seed' WHERE actor = 'migration';
