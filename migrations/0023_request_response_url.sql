-- A slash command's response_url, kept with its request while the answer may still need it. The bot cannot post
-- (not even ephemerally) in a conversation it is not a member of — a DM between two people, a private channel it
-- was not invited to — so an /ask typed there is answered through the command's response_url: ephemeral to the
-- asker, at most 5 uses (response_url_uses counts ours), until response_url_expires_at (30 minutes after the
-- command). It is a capability, not PII: never logged, and cleared once the request is delivered or failed, or
-- once it has expired. delivery 'response_url': the placeholder and the answer go (went) through it.
-- depends: 0022_request_in_dm

ALTER TABLE slack_requests
    ADD COLUMN response_url text,
    ADD COLUMN response_url_expires_at timestamptz,
    ADD COLUMN response_url_uses smallint NOT NULL DEFAULT 0;

ALTER TABLE slack_requests DROP CONSTRAINT IF EXISTS slack_requests_delivery_check;
ALTER TABLE slack_requests ADD CONSTRAINT slack_requests_delivery_check
    CHECK (delivery IN ('update', 'stream', 'post', 'ephemeral', 'response_url'));

CREATE INDEX slack_requests_response_url_expiry ON slack_requests (response_url_expires_at)
    WHERE response_url IS NOT NULL;
