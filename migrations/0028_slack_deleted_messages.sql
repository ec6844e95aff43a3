-- Slack does not deliver events in order: a question deleted at once can have its `message_deleted` handled
-- before the question's own event. The deletion then finds no request to withdraw, so it is remembered here
-- (ids only, never text) and the question's event, when it comes, is dropped (workers/slack/store.py
-- note_deleted / deleted_before_taken). Rows older than a day are forgotten by the intake's requeue loop:
-- Slack stops retrying an event long before that.
-- depends: 0027_kb_source_max_depth

CREATE TABLE slack_deleted_messages (
    team_id    text NOT NULL,
    channel_id text NOT NULL,
    message_ts text NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, channel_id, message_ts)
);
CREATE INDEX slack_deleted_messages_age ON slack_deleted_messages (deleted_at);
