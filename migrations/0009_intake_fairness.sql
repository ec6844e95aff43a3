-- Rate limits and fair queueing read each asker's and each channel's recent questions (bot/intake.py);
-- interactions record their workspace.
-- depends: 0008_collection_access

CREATE INDEX slack_requests_asker ON slack_requests (team_id, user_id, created_at DESC);
CREATE INDEX slack_requests_channel_recent ON slack_requests (team_id, channel_id, created_at DESC);

-- Interactions belong to the workspace that asked ('' for the command line), so stats and reviews can be
-- read per workspace (admin commands' --team).
ALTER TABLE interactions ADD COLUMN team_id text NOT NULL DEFAULT '';
UPDATE interactions i SET team_id = r.team_id FROM slack_requests r WHERE r.interaction_id = i.id;
CREATE INDEX interactions_team ON interactions (team_id, created_at DESC);
