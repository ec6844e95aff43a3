-- Conversations in threads (issue F item 4).
-- channel_settings.thread_followups: a reply in a thread the bot answered is a question without a mention (on by
-- default; `answerloop channels set T/C --thread-followups off` makes the channel need a mention again).
-- interactions: a follow-up links to its Slack thread and to the interaction of the turn it follows (the latest
-- earlier one in that thread); question_redacted is what was answered — for a follow-up, its standalone question
-- ("and in Zurich?" → "What is the nightly hotel cap in Zurich?"), so labels, demos, gaps and the retune keep a
-- question that stands alone — and asked_redacted keeps the turn as written (both redacted; never raw text).
-- standalone_by says who wrote the standalone question: 'model' (condensed through instructor) or 'terms' (the
-- offline path: the earlier questions' salient words appended).
-- depends: 0014_kb_sources

ALTER TABLE channel_settings
    ADD COLUMN thread_followups boolean NOT NULL DEFAULT true;

ALTER TABLE interactions
    ADD COLUMN thread_ts text,
    ADD COLUMN parent_interaction_id uuid REFERENCES interactions(id) ON DELETE SET NULL,
    ADD COLUMN asked_redacted text,
    ADD COLUMN standalone_by text CHECK (standalone_by IN ('model', 'terms'));

CREATE INDEX interactions_parent ON interactions (parent_interaction_id) WHERE parent_interaction_id IS NOT NULL;
