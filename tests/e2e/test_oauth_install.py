"""Multi-workspace installs through Slack's OAuth against the stand-in: the real Bolt OAuth flow (HTTP mode),
the bot token stored encrypted in Postgres, requests authorized and answered (by a real worker) with it."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest

from bot.intake import Intake
from bot.runner import enqueue_answer
from core import db
from core.settings import Settings
from slack_standin import BOT_USER_ID, GENERAL, SlackStandin
from tests.conftest import SAMPLE_KB, reset_database
from tests.support import services
from tests.support.bot_endpoint import serving
from tests.support.cli_runner import run_cli
from tests.support.pii_scan import all_text
from tests.support.slack_stack import final, oauth_worker_env
from workers.kb.ingest import ingest_folder
from workers.slack.installations import (
    PostgresInstallationStore,
    TokenCipher,
    WorkspaceNotInstalled,
    bot_token_for,
    new_key,
    rotate_keys,
)

KEY = new_key()


@pytest.fixture(scope="module")
def stack(database_url, local_embedder, pii_guard):
    with db.connect(database_url) as conn:
        reset_database(conn)
        conn.execute("TRUNCATE slack_installations, slack_oauth_states")
        conn.commit()
        ingest_folder(
            conn,
            SAMPLE_KB / "handbook",
            "handbook",
            embedder=local_embedder,
            settings=Settings(database_url=database_url, embeddings="local"),
        )
    redis = services.RedisServer().start()
    with SlackStandin() as slack:
        settings = Settings(
            database_url=database_url,
            redis_url=redis.url,
            slack_api_url=slack.web_api_url,
            slack_signing_secret=slack.signing_secret,
            slack_client_id=slack.client_id,
            slack_client_secret=slack.client_secret,
            token_keys=[KEY],
            embeddings="local",
        )
        assert settings.slack_bot_token is None, "no single bot token: every workspace installs itself"
        worker = services.Worker(oauth_worker_env(slack, database_url, redis.url, [KEY])).start()
        from workers.celery_app import use_broker

        use_broker(redis.url)
        try:
            with serving(slack, settings, Intake(settings, pii_guard, enqueue_answer, database_url)) as port:
                yield slack, settings, f"http://127.0.0.1:{port}", worker
        finally:
            worker.stop()
    redis.stop()


class Browser:
    """Keeps Bolt's state cookie itself: the cookie is `Secure` (https), and these requests are plain http."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def get(self, url: str) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as resp:
                self._keep(resp.headers.get_all("Set-Cookie") or [])
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def _keep(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]


def test_install_through_oauth_then_answer_with_the_stored_token(stack):
    slack, settings, base, _ = stack
    unanswered = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> how long before a page escalates?")
    slack.wait_idle(5)
    assert slack.bot_replies(GENERAL, unanswered.ts) == [], "not installed yet: nothing is authorized"

    browser = Browser()
    status, page = browser.get(f"{base}/slack/install")
    assert status == 200 and "slack.com/oauth/v2/authorize" in page
    state = re.search(r"state=([\w-]+)", page).group(1)
    assert f"client_id={slack.client_id}" in page and "chat%3Awrite" in page.replace(":", "%3A")

    assert browser.cookies, "Bolt set its state cookie"
    status, page = browser.get(f"{base}/slack/oauth_redirect?code={slack.issue_oauth_code()}&state={state}")
    assert status == 200, page
    with db.connect(settings.database_url) as conn:
        [row] = conn.execute("SELECT * FROM slack_installations").fetchall()
    assert (row["team_id"], row["bot_user_id"], row["installer_user_id"]) == (slack.team_id, BOT_USER_ID, "U0ALICE001")
    assert row["bot_token_encrypted"] != slack.bot_token
    assert TokenCipher([KEY]).decrypt(row["bot_token_encrypted"]) == slack.bot_token
    assert slack.bot_token not in all_text(settings.database_url), "no plain token at rest"

    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> How long before an unacknowledged page escalates?")
    reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=120, predicate=final)
    assert "10 minutes" in reply.text
    delivery = ("chat.update", "chat.appendStream", "chat.stopStream")  # the placeholder's, or the stream's
    updates = [c for c in slack.calls() if c.method in delivery and c.args.get("ts") == reply.ts]
    assert updates and all(c.token == slack.bot_token for c in updates), "the worker used the stored token"

    listed = run_cli(settings.database_url, "slack", "installations")
    assert slack.team_id in listed.stdout and slack.bot_token not in listed.stdout


def test_a_forged_or_replayed_state_installs_nothing(stack):
    slack, settings, base, _ = stack
    browser = Browser()
    with db.connect(settings.database_url) as conn:
        before = conn.execute("SELECT updated_at FROM slack_installations").fetchall()
    code = slack.issue_oauth_code()
    status, _ = browser.get(f"{base}/slack/oauth_redirect?code={code}&state=forged-state")
    assert status >= 400
    browser.get(f"{base}/slack/install")  # a real state in the cookie, but not this one
    status, _ = browser.get(f"{base}/slack/oauth_redirect?code={code}&state=another-forged-one")
    assert status >= 400
    with db.connect(settings.database_url) as conn:
        assert conn.execute("SELECT updated_at FROM slack_installations").fetchall() == before


def test_each_workspace_has_its_own_token_and_keys_rotate(stack):
    slack, settings, _, _ = stack
    store = PostgresInstallationStore(settings.database_url, TokenCipher([KEY]))
    from slack_sdk.oauth.installation_store import Bot

    store.save_bot(
        Bot(
            team_id="T0OTHER001",
            bot_token="xoxb-other-workspace-token",
            bot_id="B0OTHER",
            app_id="A1",
            bot_user_id="U0OTHERBOT",
            installed_at=datetime.now(UTC).timestamp(),
        )
    )
    assert bot_token_for(settings, "T0OTHER001") == "xoxb-other-workspace-token"
    assert bot_token_for(settings, slack.team_id) == slack.bot_token
    with pytest.raises(WorkspaceNotInstalled):  # an unknown workspace gets no token, not SLACK_BOT_TOKEN
        bot_token_for(settings, "T0UNKNOWN1")

    fresh = new_key()
    assert rotate_keys(settings.database_url, TokenCipher([fresh, KEY])) == 2
    only_new = PostgresInstallationStore(settings.database_url, TokenCipher([fresh]))
    assert only_new.find_bot(enterprise_id=None, team_id="T0OTHER001").bot_token == "xoxb-other-workspace-token"
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match="cannot be decrypted"):
        store.find_bot(enterprise_id=None, team_id="T0OTHER001")  # the old key alone no longer decrypts
    rotate_keys(settings.database_url, TokenCipher([KEY, fresh]))  # back, for the other tests
    store.delete_all(enterprise_id=None, team_id="T0OTHER001")
    with pytest.raises(ConfigError, match="need a key to encrypt"):
        TokenCipher([])
    with pytest.raises(ConfigError, match="not a Fernet key"):
        TokenCipher(["not-a-key"])


def _token_era_history(conn) -> int:
    """A bot-token install's prompt history: a retuned version active in the default scope; returns its id."""
    from feedback import prompt_versions as pv
    from tests.conftest import reset_prompts

    reset_prompts(conn)
    seed = pv.get_version(conn, pv.SEED_VERSION_ID)
    v2 = pv.create_version(
        conn, instructions=seed.instructions, few_shot=[], params=seed.params, parent_id=seed.id, author="retune"
    )
    pv.activate(conn, v2, "beat", kind="promote")
    return v2


def test_the_first_oauth_install_takes_over_the_token_eras_prompt_history(stack):
    """Moving from a bot token to OAuth: the workspace's questions now resolve to its own prompt scope, and that
    scope starts with the history the token era built (from this workspace's labels), not from the seed."""
    from feedback import prompt_versions as pv

    slack, settings, base, _ = stack
    from feedback import canary

    with db.connect(settings.database_url) as conn:
        conn.execute("DELETE FROM slack_installations")  # back to the token era
        v2 = _token_era_history(conn)
        seed = pv.get_version(conn, pv.SEED_VERSION_ID)
        v3 = pv.create_version(
            conn, instructions="Be brief.", few_shot=[], params=seed.params, parent_id=v2, author="retune"
        )
        canary.start(conn, v3, 10, "beat", scope=pv.DEFAULT_SCOPE)  # the token era's canary, still running
        conn.commit()
    browser = Browser()
    _, page = browser.get(f"{base}/slack/install")
    state = re.search(r"state=([\w-]+)", page).group(1)
    status, page = browser.get(f"{base}/slack/oauth_redirect?code={slack.issue_oauth_code()}&state={state}")
    assert status == 200, page
    with db.connect(settings.database_url) as conn:
        assert pv.scope_of(conn, slack.team_id) == slack.team_id
        assert pv.active_version_for(conn, slack.team_id).id == v2, "the workspace answers with the token era's"
        assert pv.history_stack(conn, slack.team_id) == [1, v2]
        owners = conn.execute("SELECT id, team_id FROM prompt_versions ORDER BY id").fetchall()
        assert owners == [
            {"id": 1, "team_id": None},
            {"id": v2, "team_id": slack.team_id},
            {"id": v3, "team_id": slack.team_id},
        ], "the seed stays shared"
        running = canary.running(conn, slack.team_id)
        assert running is not None and running.version_id == v3, "the canary goes on for the same askers"
        assert canary.running(conn, pv.DEFAULT_SCOPE) is None
        assert {r["team_id"] for r in conn.execute("SELECT team_id FROM prompt_activations")} == {slack.team_id}
        assert pv.active_version_id(conn, pv.DEFAULT_SCOPE) == pv.SEED_VERSION_ID, "nothing left in the default"
        with pytest.raises(Exception, match="immutable"):
            conn.execute("UPDATE prompt_versions SET team_id = 'T0OTHER001' WHERE id = %s", (v2,))  # moves once


def test_no_handover_when_the_token_era_answered_another_workspace(stack):
    """Labels of another workspace than the one installing: the token era's versions may be built from them, so
    the installing workspace starts from the seed and the history stays in the default scope."""
    from feedback import labels
    from feedback import prompt_versions as pv
    from tests.support.records import add_interaction
    from workers.slack.installations import hand_over_token_era_prompts

    slack, settings, _, _ = stack
    with db.connect(settings.database_url) as conn:
        bot = PostgresInstallationStore(settings.database_url, TokenCipher([KEY])).find_bot(
            enterprise_id=None, team_id=slack.team_id
        )
        conn.execute("DELETE FROM slack_installations")
        v2 = _token_era_history(conn)
        other = add_interaction(conn, "T0OTHER001", "how do we deploy")
        labels.record_vote(conn, other, kind="up", reaction="+1", user_id="U0X", team_id="T0OTHER001")
        conn.commit()
    store = PostgresInstallationStore(settings.database_url, TokenCipher([KEY]))
    store.save_bot(bot)
    with db.connect(settings.database_url) as conn:
        assert pv.active_version_for(conn, slack.team_id).id == pv.SEED_VERSION_ID
        assert pv.active_version_id(conn, pv.DEFAULT_SCOPE) == v2, "the history stays where it was"
        conn.execute("DELETE FROM labels WHERE team_id = 'T0OTHER001'")
        conn.execute("INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
                     "VALUES ('T0OTHER001', 'U0O', 'B0O', 'x')")  # fmt: skip
        assert hand_over_token_era_prompts(conn, slack.team_id) == 0, "another workspace installed: none"
        conn.execute("DELETE FROM slack_installations WHERE team_id = 'T0OTHER001'")
        assert hand_over_token_era_prompts(conn, slack.team_id) == 1, "alone again, and no foreign label: it moves"
        conn.rollback()
        assert [r["team_id"] for r in conn.execute("SELECT team_id FROM slack_installations")] == [slack.team_id]
