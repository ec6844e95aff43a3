-- How each answer reached Slack (issue F): streamed (assistant.threads.setStatus while working, then
-- chat.startStream → appendStream → stopStream), or the placeholder updated with chat.update, or posted as a new
-- message, or an ephemeral reply — and, when a fallback was taken, why (e.g. "setStatus: not_allowed",
-- "startStream: method_not_supported", "stream expired: chat.update"). A stream's message is kept in
-- placeholder_ts: it is the message that shows the answer, and a redelivered task finishes it, never starts another.
-- depends: 0010_prompt_scopes

ALTER TABLE slack_requests
    ADD COLUMN delivery text NOT NULL DEFAULT 'update'
        CHECK (delivery IN ('update', 'stream', 'post', 'ephemeral')),
    ADD COLUMN delivery_note text NOT NULL DEFAULT '';
