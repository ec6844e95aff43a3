"""With OAuth installs, a workspace's token is its installation's and nothing else: a workspace that is not
installed (removed, or never installed) gets WorkspaceNotInstalled from bot_token_for — never SLACK_BOT_TOKEN, which
is another workspace's — and the client factory gives no client without a token. With a bot-token install, the
configured token answers every workspace, as before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk.oauth.installation_store import Bot

from core import db
from core.errors import AnswerloopError, ConfigError
from core.settings import Settings
from workers.slack.client import web_client
from workers.slack.installations import (
    PostgresInstallationStore,
    TokenCipher,
    WorkspaceNotInstalled,
    bot_token_for,
    new_key,
)

KEY = new_key()
ALPHA, BRAVO = "T0ALPHA001", "T0BRAVO001"
ALPHA_TOKEN, BRAVO_TOKEN = "xoxb-alpha-token", "xoxb-bravo-token"


@pytest.fixture()
def oauth(clean_db) -> Iterator[tuple[Settings, PostgresInstallationStore]]:
    """OAuth installs with alpha installed, and SLACK_BOT_TOKEN left set to alpha's token."""
    settings = Settings(
        database_url=clean_db,
        slack_client_id="1.2",
        slack_client_secret="secret",
        token_keys=[KEY],
        slack_bot_token=ALPHA_TOKEN,
        slack_api_url="http://127.0.0.1:9/api/",
    )
    store = PostgresInstallationStore(clean_db, TokenCipher([KEY]))
    _install(store, ALPHA, ALPHA_TOKEN)
    try:
        yield settings, store
    finally:
        with db.connect(clean_db) as conn:
            conn.execute("TRUNCATE slack_installations")
            conn.commit()


def _install(store: PostgresInstallationStore, team: str, token: str) -> None:
    store.save_bot(
        Bot(
            app_id="A1",
            team_id=team,
            bot_token=token,
            bot_id=f"B{team}",
            bot_user_id=f"U{team}",
            installed_at=datetime.now(UTC).timestamp(),
        )
    )


def test_a_workspace_never_installed_gets_no_token_not_the_configured_one(oauth):
    settings, _ = oauth
    assert bot_token_for(settings, ALPHA) == ALPHA_TOKEN
    with pytest.raises(WorkspaceNotInstalled, match=f"no longer installed in workspace {BRAVO}") as err:
        bot_token_for(settings, BRAVO)
    assert isinstance(err.value, AnswerloopError) and not isinstance(err.value, ConfigError), "not a setting to fix"
    assert err.value.team_id == BRAVO and "SLACK_BOT_TOKEN" not in err.value.describe()


def test_a_workspace_uninstalled_gets_no_token_again_until_it_installs_again(oauth):
    settings, store = oauth
    _install(store, BRAVO, BRAVO_TOKEN)
    assert bot_token_for(settings, BRAVO) == BRAVO_TOKEN
    assert store.remove_workspace(enterprise_id=None, team_id=BRAVO, event="app_uninstalled")
    with pytest.raises(WorkspaceNotInstalled):
        bot_token_for(settings, BRAVO)
    assert bot_token_for(settings, ALPHA) == ALPHA_TOKEN, "alpha untouched"
    _install(store, BRAVO, "xoxb-bravo-again")
    assert bot_token_for(settings, BRAVO) == "xoxb-bravo-again"


def test_with_oauth_the_client_factory_never_falls_back_to_the_configured_token(oauth):
    settings, _ = oauth
    with pytest.raises(ConfigError, match="without a token") as err:
        web_client(settings)
    assert "bot_token_for" in err.value.hint and "Set SLACK_BOT_TOKEN" not in err.value.describe()
    assert web_client(settings, token=BRAVO_TOKEN).token == BRAVO_TOKEN
    assert web_client(settings, anonymous=True).token is None


def test_a_bot_token_install_answers_every_workspace_with_the_configured_token(clean_db):
    settings = Settings(database_url=clean_db, slack_bot_token=ALPHA_TOKEN, slack_api_url="http://127.0.0.1:9/")
    assert bot_token_for(settings, BRAVO) == ALPHA_TOKEN
    assert web_client(settings).token == ALPHA_TOKEN
    with pytest.raises(ConfigError, match="No Slack bot token configured"):
        web_client(settings.model_copy(update={"slack_bot_token": None}))
