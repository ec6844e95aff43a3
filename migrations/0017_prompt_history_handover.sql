-- Token-era prompt history handed to the first OAuth workspace (issue J): a single-workspace install that ran with
-- a bot token keeps its prompt versions in the default scope ''; when its first OAuth install arrives, that
-- workspace's questions resolve to its own scope, so it takes the history over (workers.slack_installations
-- .hand_over_token_era_prompts). Prompt versions stay immutable but for that one move of their owner: a
-- default-scope version may become a workspace's, nothing else about it may change, and it never moves again.
-- depends: 0010_prompt_scopes

CREATE OR REPLACE FUNCTION prompt_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.team_id = '' AND NEW.team_id <> ''
       AND (to_jsonb(NEW) - 'team_id') = (to_jsonb(OLD) - 'team_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'prompt versions are immutable: create a new version instead';
END $$;
