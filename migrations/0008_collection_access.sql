-- Who may see what: every collection belongs to a workspace and is public or restricted (workers.access).
-- depends: 0007_bm25_and_sentences

-- The owning workspace (Slack team id). NULL = not yet claimed: a single-workspace install needs no
-- configuration — the only workspace the bot knows claims unowned collections on its first question
-- (workers.access.claim_unowned); with several workspaces an admin assigns them (`collections set --team`).
ALTER TABLE collections ADD COLUMN team_id text;
-- public: any channel or DM of the workspace. restricted: only members of allowed_channels / allowed_usergroups,
-- checked for the asker at ask time; quoted into a conversation only where every reader may read it.
ALTER TABLE collections ADD COLUMN visibility text NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('public', 'restricted'));
ALTER TABLE collections ADD COLUMN allowed_channels text[] NOT NULL DEFAULT '{}';
ALTER TABLE collections ADD COLUMN allowed_usergroups text[] NOT NULL DEFAULT '{}';
ALTER TABLE collections ADD COLUMN access_updated_by text NOT NULL DEFAULT '';
CREATE INDEX collections_team ON collections (team_id);

-- An install with exactly one workspace already: it owns what exists.
UPDATE collections SET team_id = (SELECT team_id FROM slack_installations)
WHERE team_id IS NULL AND (SELECT count(*) FROM slack_installations) = 1;
