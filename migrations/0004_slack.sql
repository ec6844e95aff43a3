-- Slack: per-channel configuration and the durable record of each question received from Slack.
-- depends: 0003_interactions

CREATE TABLE channel_settings (
    team_id      text NOT NULL,
    channel_id   text NOT NULL,
    collections  text[],                        -- NULL → the default collections
    expert       text,                          -- who to tag on "I don't know", e.g. <@U123> or <!subteam^S1>
    reply_mode   text NOT NULL DEFAULT 'in_channel' CHECK (reply_mode IN ('in_channel', 'ephemeral')),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text NOT NULL DEFAULT '',
    PRIMARY KEY (team_id, channel_id)
);

-- One row per question, keyed like the Celery task: (team, channel, ts). The primary key de-duplicates
-- Slack retries and the message/app_mention pair; status makes redelivered tasks idempotent.
CREATE TABLE slack_requests (
    team_id            text NOT NULL,
    channel_id         text NOT NULL,
    message_ts         text NOT NULL,
    thread_ts          text NOT NULL,
    user_id            text NOT NULL DEFAULT '',
    kind               text NOT NULL CHECK (kind IN ('mention', 'dm', 'thread', 'command')),
    question_redacted  text,                      -- cleared once answered (the interaction keeps it)
    pii                jsonb NOT NULL DEFAULT '{}',
    interaction_id     uuid NOT NULL,
    placeholder_ts     text,
    reply_mode         text NOT NULL DEFAULT 'in_channel',
    status             text NOT NULL DEFAULT 'received'
                       CHECK (status IN ('received', 'queued', 'answering', 'delivered', 'failed')),
    attempts           integer NOT NULL DEFAULT 0,
    error              text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, channel_id, message_ts)
);

CREATE INDEX slack_requests_thread ON slack_requests (team_id, channel_id, thread_ts);
CREATE INDEX slack_requests_pending ON slack_requests (status, updated_at) WHERE status IN ('received', 'queued');
CREATE INDEX slack_requests_answer ON slack_requests (channel_id, placeholder_ts);
