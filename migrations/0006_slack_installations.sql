-- Multi-workspace installs through Slack's OAuth: one bot installation per workspace (tokens encrypted at rest
-- with ANSWERLOOP_TOKEN_KEYS; the database never sees a plain token), and the OAuth state parameters in flight.
-- depends: 0005_feedback

CREATE TABLE slack_installations (
    enterprise_id          text NOT NULL DEFAULT '',
    team_id                text NOT NULL DEFAULT '',
    team_name              text NOT NULL DEFAULT '',
    app_id                 text NOT NULL DEFAULT '',
    bot_user_id            text NOT NULL,
    bot_id                 text NOT NULL,
    bot_scopes             text NOT NULL DEFAULT '',
    bot_token_encrypted    text NOT NULL,        -- Fernet token (base64) of the xoxb- token
    installer_user_id      text NOT NULL DEFAULT '',
    is_enterprise_install  boolean NOT NULL DEFAULT false,
    installed_at           timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (enterprise_id, team_id)
);

CREATE TABLE slack_oauth_states (
    state       text PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);
