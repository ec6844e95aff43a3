-- Canary tests of prompt versions and the weekly coverage-gaps digest (issue G items 4 and 2).
-- depends: 0017_prompt_history_handover

-- A canary serves `version_id` to `percent` of a prompt scope's askers (a stable hash of version, team and user
-- decides who: feedback/canary.py); everyone else keeps the scope's active version. At most one runs per scope;
-- `prompts promote V` or `prompts rollback` ends it (ended_at, outcome). Changing the share updates the row
-- (each change is an admin_actions row). Versions are never deleted (0002's trigger): the cascade only lets a
-- test reset its database.
CREATE TABLE prompt_canaries (
    id          bigserial PRIMARY KEY,
    team_id     text NOT NULL,                                   -- the prompt scope ('' the default scope)
    version_id  integer NOT NULL REFERENCES prompt_versions(id) ON DELETE CASCADE,
    percent     numeric(5, 2) NOT NULL CHECK (percent > 0 AND percent <= 100),
    started_by  text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_by    text,
    ended_at    timestamptz,
    outcome     text CHECK (outcome IN ('promoted', 'rolled_back')),
    CHECK ((ended_at IS NULL) = (outcome IS NULL))
);
CREATE UNIQUE INDEX prompt_canaries_one_running ON prompt_canaries (team_id) WHERE ended_at IS NULL;

-- The data layer refuses a canary of another workspace's version, as it refuses such a pointer (0010).
CREATE FUNCTION prompt_canary_own_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM prompt_versions v
        WHERE v.id = NEW.version_id AND (v.team_id IS NULL OR v.team_id = NEW.team_id)
    ) THEN
        RAISE EXCEPTION 'prompt version % belongs to another workspace than %', NEW.version_id, NEW.team_id;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER prompt_canary_own_version
    BEFORE INSERT OR UPDATE ON prompt_canaries
    FOR EACH ROW EXECUTE FUNCTION prompt_canary_own_version();

-- One weekly gaps digest per workspace ('' = a bot-token install) and week (the Monday it starts): the row is
-- claimed before posting, so a second run in the same week posts nothing. `gaps` is the list that was posted
-- (redacted example questions only, as in interactions), which the App Home review tab shows.
CREATE TABLE gaps_digests (
    team_id      text NOT NULL,
    week         date NOT NULL,
    channel_id   text NOT NULL,
    status       text NOT NULL CHECK (status IN ('posting', 'posted', 'empty')),
    questions    integer NOT NULL DEFAULT 0,
    gaps         jsonb NOT NULL DEFAULT '[]',
    message_ts   text,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, week)
);
