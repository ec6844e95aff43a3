"""Removing the app from a workspace (multi-workspace installs through OAuth): the stand-in uninstalls it the way
Slack does (token revoked, `tokens_revoked` + `app_uninstalled` delivered over signed HTTP) and the real Bolt app
deletes that workspace's installation — its encrypted bot token — and nothing else: the workspace's knowledge
(interactions, labels) stays, the other workspace stays installed, and what loops over installed workspaces (gaps
digest targets, retune scopes) no longer visits it. Malformed or forged uninstall events change nothing."""

from __future__ import annotations

import logging
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot

from bot.intake import Intake
from core import db
from core.errors import ConfigError
from core.settings import Settings
from feedback import labels
from slack_standin import GENERAL, TEAM_ID, SlackStandin
from tests.conftest import reset_database
from tests.support.bot_endpoint import oauth_settings, serving
from tests.support.records import add_interaction
from workers.slack.installations import PostgresInstallationStore, TokenCipher, new_key

KEY = new_key()
BRAVO = "T0BRAVO001"


def _wait(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _installed(database_url: str) -> list[str]:
    with db.connect(database_url) as conn:
        return [r["team_id"] for r in conn.execute("SELECT team_id FROM slack_installations ORDER BY team_id")]


def _save(store: PostgresInstallationStore, ws) -> None:
    """The workspace's OAuth install, as Bolt's flow saves it (tokens from the stand-in)."""
    store.save_bot(
        Bot(
            app_id=ws.app_id,
            team_id=ws.team_id,
            team_name=ws.identity.team_name,
            bot_token=ws.bot_token,
            bot_id=ws.bot_id,
            bot_user_id=ws.bot_user_id,
            bot_scopes=["chat:write"],
            installed_at=datetime.now(UTC).timestamp(),
        )
    )


@pytest.fixture()
def stack(database_url, pii_guard) -> Iterator[tuple[SlackStandin, object, Settings, PostgresInstallationStore]]:
    with db.connect(database_url) as conn:
        reset_database(conn)
        conn.commit()
    with SlackStandin() as slack:
        bravo = slack.add_workspace(BRAVO, team_name="Bravo Inc")
        settings = oauth_settings(slack, database_url, [KEY])
        assert settings.slack_bot_token is None, "OAuth: every workspace installs itself"
        store = PostgresInstallationStore(database_url, TokenCipher([KEY]))
        _save(store, slack)
        _save(store, bravo)
        intake = Intake(settings, pii_guard, lambda key, priority: None, database_url)
        try:
            with serving(slack, settings, intake):
                yield slack, bravo, settings, store
        finally:
            with db.connect(database_url) as conn:
                conn.execute("TRUNCATE slack_installations")  # back to a bot-token install for other modules
                conn.commit()


def _knowledge(database_url: str, team: str) -> tuple[int, int]:
    with db.connect(database_url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM interactions WHERE team_id = %(t)s) AS i, "
            "(SELECT count(*) FROM labels WHERE team_id = %(t)s) AS l",
            {"t": team},
        ).fetchone()
    return row["i"], row["l"]


def _audit(database_url: str) -> list[dict]:
    with db.connect(database_url) as conn:
        return conn.execute(
            "SELECT actor, action, target, details FROM admin_actions WHERE action LIKE 'slack.%%' ORDER BY id"
        ).fetchall()


def test_uninstalling_deletes_that_workspaces_token_and_keeps_its_knowledge(stack, caplog):
    slack, bravo, settings, store = stack
    url = settings.database_url
    with db.connect(url) as conn:
        asked = add_interaction(conn, BRAVO, "how do we deploy on fridays?")
        labels.record_vote(conn, asked, kind="up", reaction="+1", user_id="U0BRAVOX1", team_id=BRAVO)
        conn.commit()
    token = bravo.bot_token
    assert _installed(url) == sorted([TEAM_ID, BRAVO])
    with pytest.raises(ConfigError, match="names no workspace"):  # two installed: a bare channel is ambiguous
        from feedback.gaps_digest import digest_targets

        digest_targets([GENERAL], _installed(url))

    caplog.set_level(logging.INFO)
    sent = bravo.uninstall_app()
    assert all(d.wait(5) and d.status == "acked" for d in sent), [d.attempts for d in sent]
    _wait(lambda: _installed(url) == [TEAM_ID])
    assert store.find_bot(enterprise_id=None, team_id=BRAVO) is None
    assert store.find_bot(enterprise_id=None, team_id=TEAM_ID).bot_token == slack.bot_token, "alpha untouched"
    assert _knowledge(url, BRAVO) == (1, 1), "the workspace's knowledge is kept: removing it is an admin's act"
    _wait(lambda: len(_audit(url)) == 1)  # tokens_revoked and app_uninstalled: one removal, whichever came first
    [audit] = _audit(url)
    assert (audit["actor"], audit["action"], audit["target"]) == ("slack", "slack.uninstalled", f"team:{BRAVO}")
    assert audit["details"]["team"] == BRAVO and token not in str(audit)
    _wait(lambda: any("ignored" in r.getMessage() for r in caplog.records))  # the second event: nothing left
    said = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
    assert any(BRAVO in m and "removed" in m for m in said), said
    assert not any(token in r.getMessage() for r in caplog.records), "no token in the logs"

    # What loops over installed workspaces no longer visits it.
    from feedback.gaps_digest import DigestTarget, digest_targets
    from workers.retune_job import retune_scopes

    assert digest_targets([GENERAL], _installed(url)) == [DigestTarget(TEAM_ID, GENERAL)]
    with db.connect(url) as conn:
        assert retune_scopes(conn) == [TEAM_ID]


def _browse(url: str, cookies: dict[str, str]) -> tuple[int, str]:
    """A browser's GET keeping Bolt's state cookie itself (it is `Secure`, and these requests are plain http)."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as resp:
            for header in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_installing_again_finds_the_workspaces_knowledge_and_uses_the_new_token(stack):
    slack, bravo, settings, store = stack
    url = settings.database_url
    with db.connect(url) as conn:
        add_interaction(conn, BRAVO, "where is the on-call rota?")
        conn.commit()
    old = bravo.bot_token
    sent = bravo.uninstall_app()
    assert all(d.wait(5) for d in sent)
    _wait(lambda: _installed(url) == [TEAM_ID])

    base = slack.request_url.rsplit("/slack/", 1)[0]
    cookies: dict[str, str] = {}
    _, page = _browse(f"{base}/slack/install", cookies)
    state = re.search(r"state=([\w-]+)", page).group(1)
    status, page = _browse(f"{base}/slack/oauth_redirect?code={bravo.issue_oauth_code()}&state={state}", cookies)
    assert status == 200, page
    assert _installed(url) == sorted([TEAM_ID, BRAVO])
    found = store.find_bot(enterprise_id=None, team_id=BRAVO)
    assert found is not None and found.bot_token == bravo.bot_token != old, "the new token, not the revoked one"
    assert _knowledge(url, BRAVO)[0] == 1, "its knowledge was kept"


def test_the_gaps_digest_skips_a_workspace_that_was_uninstalled(stack):
    from workers.digest_tasks import send_gaps_digests

    _, bravo, settings, _ = stack
    sent = bravo.uninstall_app()
    assert all(d.wait(5) for d in sent)
    _wait(lambda: _installed(settings.database_url) == [TEAM_ID])
    entries = [f"{BRAVO}:{bravo.channel_id('general')}", f"{TEAM_ID}:{GENERAL}"]
    outcomes = send_gaps_digests(settings.model_copy(update={"gaps_channel": entries}), embedder=lambda: None)
    assert [o.target.team for o in outcomes] == [TEAM_ID]


def _send(slack: SlackStandin, payload: dict) -> None:
    delivery = slack._emit("events_api", payload)
    assert delivery.wait(5) and delivery.status == "acked", delivery.attempts


def _uninstall_payload(slack: SlackStandin, team: str | None, event: dict) -> dict:
    """An event_callback as the stand-in signs and sends it, of `team` (None: no team id anywhere)."""
    from slack_standin import payloads

    body = payloads.event_callback(slack.identity, event)
    body["authorizations"] = [{**body["authorizations"][0], "team_id": team}]
    if team is None:
        del body["team_id"], body["context_team_id"]
    else:
        body["team_id"] = body["context_team_id"] = team
    return body


@pytest.mark.parametrize(
    "team, event",
    [
        (None, {"type": "app_uninstalled"}),
        (None, {"type": "tokens_revoked", "tokens": {"bot": ["U0ANYBOT1"]}}),
        ("T0NOBODY01", {"type": "app_uninstalled"}),
        ("T0NOBODY01", {"type": "tokens_revoked", "tokens": {"bot": ["U0ANYBOT1"]}}),
        (BRAVO, {"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE1"]}}),  # a user token: we keep none
        (BRAVO, {"type": "tokens_revoked", "tokens": {"bot": ["U0NOTOURS1"]}}),  # not this workspace's bot user
        (BRAVO, {"type": "tokens_revoked", "tokens": "everything"}),
        (f"{BRAVO}\nforged log line", {"type": "app_uninstalled"}),
    ],
    ids=[
        "no-team",
        "no-team-revoked",
        "unknown-team",
        "unknown-team-revoked",
        "user-token",
        "other-bot",
        "garbage",
        "malformed-team",
    ],
)
def test_a_malformed_or_forged_uninstall_changes_nothing_and_is_acked(stack, caplog, team, event):
    slack, _, settings, _ = stack
    caplog.set_level(logging.INFO)
    _send(slack, _uninstall_payload(slack, team, event))
    _wait(lambda: any("ignored" in r.getMessage() for r in caplog.records))
    assert _installed(settings.database_url) == sorted([TEAM_ID, BRAVO])
    assert _audit(settings.database_url) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "handled, not failed"


def test_an_uninstall_sent_before_the_workspace_installed_again_keeps_the_new_install(stack, caplog):
    """Slack delivers events late and retries them: an `app_uninstalled` of an hour ago, arriving after the
    workspace installed the app again, must not delete the new installation."""
    slack, _, settings, _ = stack
    caplog.set_level(logging.INFO)
    stale = _uninstall_payload(slack, BRAVO, {"type": "app_uninstalled"})
    stale["event_time"] = int(time.time()) - 3600
    _send(slack, stale)
    _wait(lambda: any("ignored" in r.getMessage() for r in caplog.records))
    assert _installed(settings.database_url) == sorted([TEAM_ID, BRAVO])
    assert _audit(settings.database_url) == []


def test_with_a_bot_token_install_the_removal_is_acked_and_tells_the_operator(database_url, pii_guard, caplog):
    """A single-workspace install runs on SLACK_BOT_TOKEN and stores no token: nothing to delete, but the events
    the manifest subscribes to are acked (not answered 404 and retried) and the log says the token is dead."""
    from tests.support.bot_endpoint import http_settings

    caplog.set_level(logging.INFO)
    with SlackStandin() as slack:
        settings = http_settings(slack, database_url, slack_signing_secret=slack.signing_secret)
        intake = Intake(settings, pii_guard, lambda key, priority: None, database_url)
        with serving(slack, settings, intake):
            sent = slack.uninstall_app()
            assert all(d.wait(5) for d in sent)
            assert [d.status for d in sent] == ["acked", "acked"], [d.attempts for d in sent]
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("SLACK_BOT_TOKEN" in m and "removed" in m for m in said), said


@pytest.mark.parametrize(
    "team, event",
    [
        (None, {"type": "app_uninstalled"}),
        ("T0NOBODY01", {"type": "app_uninstalled"}),
        ("T0NOBODY01", {"type": "tokens_revoked", "tokens": {"bot": ["U0ANYBOT1"]}}),
        (TEAM_ID, {"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE1"]}}),  # a person's token
        (TEAM_ID, {"type": "tokens_revoked", "tokens": {"bot": ["U0NOTOURS1"]}}),  # another bot user's
        (TEAM_ID, {"type": "tokens_revoked", "tokens": "everything"}),
    ],
    ids=["no-team", "other-team", "other-team-revoked", "user-token", "other-bot", "garbage"],
)
def test_with_a_bot_token_install_an_event_about_another_token_raises_no_alarm(
    database_url, pii_guard, caplog, team, event
):
    """Only the removal of SLACK_BOT_TOKEN's own workspace or bot user says, at ERROR, that the token is dead."""
    from tests.support.bot_endpoint import http_settings

    caplog.set_level(logging.INFO)
    with SlackStandin() as slack:
        settings = http_settings(slack, database_url, slack_signing_secret=slack.signing_secret)
        intake = Intake(settings, pii_guard, lambda key, priority: None, database_url)
        with serving(slack, settings, intake):
            _send(slack, _uninstall_payload(slack, team, event))
            _wait(lambda: any("ignored" in r.getMessage() for r in caplog.records))
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# --- A missed uninstall: Bolt acks events before its listener runs, so an `app_uninstalled` whose delete failed
# (Postgres down) or never arrived is not sent again. The next Web API call with the dead stored token removes it.


def _unreachable_url() -> str:
    """A Request URL nobody listens on (a port bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/slack/events"


def _uninstall_unheard(slack: SlackStandin, ws) -> str:
    """`ws` removes the app while the bot's endpoint is unreachable: the token is revoked, both events are lost
    (Slack gives up), the installation stays. Returns the revoked token."""
    token = ws.bot_token
    slack.set_request_url(_unreachable_url())
    sent = ws.uninstall_app()
    assert not any(d.wait(10) for d in sent) and [d.status for d in sent] == ["failed", "failed"]
    return token


def _dead_token_call(settings: Settings, token: str) -> str:
    """A worker's call with `token` through the workers' client factory; the Slack error it answers."""
    from workers.slack.client import web_client

    with pytest.raises(SlackApiError) as err:
        web_client(settings, token=token).chat_postMessage(channel="general", text="weekly digest")
    return err.value.response["error"]


def test_a_missed_uninstall_is_noticed_by_the_next_call_with_the_dead_token(stack, caplog):
    from workers.slack.installations import bot_token_for

    slack, bravo, settings, store = stack
    url = settings.database_url
    dead = _uninstall_unheard(slack, bravo)
    assert _installed(url) == sorted([TEAM_ID, BRAVO]), "the events were lost: the dead token is still stored"

    caplog.set_level(logging.INFO)
    assert bot_token_for(settings, BRAVO) == dead
    said = _dead_token_call(settings, bot_token_for(settings, BRAVO))
    assert said == "token_revoked", "the caller sees Slack's error"
    assert _installed(url) == [TEAM_ID]
    assert store.find_bot(enterprise_id=None, team_id=TEAM_ID).bot_token == slack.bot_token, "alpha untouched"
    [audit] = _audit(url)
    assert (audit["actor"], audit["action"], audit["target"]) == ("slack", "slack.uninstalled", f"team:{BRAVO}")
    assert audit["details"]["team"] == BRAVO and audit["details"]["event"] == "token_revoked"
    assert audit["details"]["detected"] == "api_error" and audit["details"]["method"] == "chat.postMessage"
    said = [r for r in caplog.records if r.name.startswith("workers.slack")]
    assert any(BRAVO in r.getMessage() and r.levelno == logging.WARNING for r in said), said
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "handled, not failed"
    assert not any(dead in r.getMessage() for r in caplog.records), "no token in the logs"
    assert dead not in str(audit)

    assert _dead_token_call(settings, dead) == "token_revoked"
    assert len(_audit(url)) == 1, "removed once"


def test_a_late_failure_of_the_old_token_keeps_the_reinstalled_workspace(stack):
    slack, bravo, settings, store = stack
    old = _uninstall_unheard(slack, bravo)
    WebClient(base_url=slack.web_api_url).oauth_v2_access(
        client_id=slack.client_id, client_secret=slack.client_secret, code=bravo.issue_oauth_code()
    )
    _save(store, bravo)  # installed again (the OAuth flow saves the new token over the old one)
    assert bravo.bot_token != old

    assert _dead_token_call(settings, old) == "token_revoked"
    assert store.find_bot(enterprise_id=None, team_id=BRAVO).bot_token == bravo.bot_token, "the new install stays"
    assert _audit(settings.database_url) == []


def test_a_dead_token_noticed_while_postgres_is_down_is_removed_by_a_later_call(stack, caplog):
    slack, bravo, settings, _ = stack
    dead = _uninstall_unheard(slack, bravo)
    down = settings.model_copy(update={"database_url": _unreachable_url().replace("http", "postgresql", 1)})
    caplog.set_level(logging.INFO)
    assert _dead_token_call(down, dead) == "token_revoked", "Slack's error, not the database's"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("database" in r.getMessage() for r in caplog.records if r.name.startswith("workers.slack"))
    assert _installed(settings.database_url) == sorted([TEAM_ID, BRAVO])

    assert _dead_token_call(settings, dead) == "token_revoked"
    assert _installed(settings.database_url) == [TEAM_ID]


@pytest.mark.parametrize("error, removed", [("account_inactive", True), ("invalid_auth", False)])
def test_which_auth_errors_remove_the_installation(stack, error, removed):
    """`account_inactive` (the bot user was deactivated: the app is gone) removes the installation like
    `token_revoked`; `invalid_auth` does not: Slack also answers it for an IP outside the workspace's allowed
    ranges, and a misconfigured SLACK_API_URL would answer it for every workspace's token at once."""
    _, bravo, settings, store = stack
    from workers.slack.client import web_client

    bravo.refuse_method("auth.test", error)
    with pytest.raises(SlackApiError) as err:
        web_client(settings, token=bravo.bot_token).auth_test()
    assert err.value.response["error"] == error
    assert (store.find_bot(enterprise_id=None, team_id=BRAVO) is None) is removed
    assert len(_audit(settings.database_url)) == int(removed)


def test_the_gaps_digest_of_a_workspace_whose_uninstall_was_missed_heals_without_an_error(stack, caplog):
    """The digest is the first to use the dead token: Slack's token_revoked removes the installation, the digest
    says at INFO that it skipped the workspace (no ERROR, no traceback) and posts the others' as usual."""
    from workers.digest_tasks import send_gaps_digests

    slack, bravo, settings, _ = stack
    with db.connect(settings.database_url) as conn:  # a gap in bravo: its digest has something to post
        for _ in range(3):
            add_interaction(conn, BRAVO, "Does the company sponsor work visas?", status="dont_know")
        conn.commit()
    _uninstall_unheard(slack, bravo)
    caplog.set_level(logging.INFO)
    entries = [f"{BRAVO}:{bravo.channel_id('general')}", f"{TEAM_ID}:{GENERAL}"]
    outcomes = send_gaps_digests(settings.model_copy(update={"gaps_channel": entries}), embedder=lambda: None)
    assert [o.target.team for o in outcomes] == [TEAM_ID]
    assert _installed(settings.database_url) == [TEAM_ID]
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("skipped" in r.getMessage() and BRAVO in r.getMessage() for r in caplog.records)
