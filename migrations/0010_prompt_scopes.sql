-- Prompt versions, the active pointer, its history and the retune/eval reports belong to a prompt scope: a
-- workspace (Slack team id), or '' — the install's default scope (a single-workspace install with a bot token,
-- and the command line's own questions). A workspace without a pointer of its own answers with the shared seed.
-- depends: 0009_intake_fairness

-- Who a version belongs to: NULL = shared by every workspace (the seed of 0002; nothing built from labels is
-- ever shared), '' = the default scope, 'T…' = that workspace (made by its retune or its admin).
ALTER TABLE prompt_versions ADD COLUMN team_id text;

-- One pointer per scope (the `name` column stays 'active'). No row: the shared seed (version 1).
ALTER TABLE prompt_pointer ADD COLUMN team_id text NOT NULL DEFAULT '';
ALTER TABLE prompt_pointer DROP CONSTRAINT prompt_pointer_pkey;
ALTER TABLE prompt_pointer ADD PRIMARY KEY (team_id);
ALTER TABLE prompt_pointer ALTER COLUMN name SET DEFAULT 'active';

ALTER TABLE prompt_activations ADD COLUMN team_id text NOT NULL DEFAULT '';
CREATE INDEX prompt_activations_scope ON prompt_activations (team_id, id);

ALTER TABLE eval_reports ADD COLUMN team_id text NOT NULL DEFAULT '';
CREATE INDEX eval_reports_scope ON eval_reports (team_id, id DESC);

-- What exists moves to the workspace that owns it: with exactly one workspace installed through OAuth, to it
-- (its questions already resolve to it); otherwise to the default scope — a bot-token install (one workspace,
-- unnamed in the database) keeps answering with it unchanged, and on an install that already has several
-- workspaces no workspace is given versions built from the others' labels: each starts from the seed.
ALTER TABLE prompt_versions DISABLE TRIGGER prompt_versions_no_update;
UPDATE prompt_versions SET team_id = coalesce(
    (SELECT min(team_id) FROM slack_installations HAVING count(DISTINCT team_id) = 1), '')
WHERE id <> 1;
ALTER TABLE prompt_versions ENABLE TRIGGER prompt_versions_no_update;
UPDATE prompt_pointer SET team_id = coalesce(
    (SELECT min(team_id) FROM slack_installations HAVING count(DISTINCT team_id) = 1), '');
UPDATE prompt_activations SET team_id = coalesce(
    (SELECT min(team_id) FROM slack_installations HAVING count(DISTINCT team_id) = 1), '');
UPDATE eval_reports SET team_id = coalesce(
    (SELECT min(team_id) FROM slack_installations HAVING count(DISTINCT team_id) = 1), '');

-- The data layer refuses a pointer at another workspace's version, whatever code (or SQL) tries.
CREATE FUNCTION prompt_pointer_own_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM prompt_versions v
        WHERE v.id = NEW.version_id AND (v.team_id IS NULL OR v.team_id = NEW.team_id)
    ) THEN
        RAISE EXCEPTION 'prompt version % belongs to another workspace than %', NEW.version_id, NEW.team_id;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER prompt_pointer_own_version
    BEFORE INSERT OR UPDATE ON prompt_pointer
    FOR EACH ROW EXECUTE FUNCTION prompt_pointer_own_version();
