"""Two workspaces installed through OAuth on one stand-in (issue J): the real Bolt OAuth flow in HTTP mode, each
workspace's bot token stored encrypted, a real Celery worker answering each workspace with its own token.

alpha owns the sample handbook; bravo owns its own on-call and travel pages with other numbers, so an answer from
the wrong workspace shows in the text, and an HR page restricted to bravo's #team-private. Both workspaces have
people named alice and bob (other people, other ids). Nothing of alpha's — documents, verified answers, labels,
stats, gaps, suggested prompts — reaches bravo, and the reverse."""

from __future__ import annotations

import json
import re

import pytest

from bot.intake import Intake
from bot.runner import enqueue_answer
from core import db
from core.settings import Settings
from feedback import labels
from slack_standin import SlackStandin
from tests.conftest import SAMPLE_KB, reset_database
from tests.e2e.test_oauth_install import Browser
from tests.support import services
from tests.support.bot_endpoint import serving
from tests.support.cli_runner import run_cli
from tests.support.slack_stack import SALARY_BANDS_DOC, bravo_pages, final, oauth_worker_env
from workers.kb.ingest import ingest_folder
from workers.slack.installations import TokenCipher, new_key

KEY = new_key()
ALPHA, BRAVO = "T0STANDIN1", "T0BRAVO001"
ESCALATION = "How long before an unacknowledged page escalates to the secondary?"
HOTEL = "What is the nightly hotel cap for London?"
SALARY = "What is the L5 salary band for Platform engineers?"
DEPLOYS = "Who approves production deploys for the data team's services?"
CORRECTION = "Production deploys of data team services are approved by the data platform lead on duty."
UNKNOWN = "What is the parking policy for the Lisbon office?"


@pytest.fixture(scope="module")
def stack(database_url, local_embedder, pii_guard, tmp_path_factory):
    handbook = SAMPLE_KB / "handbook"
    bravo_dir = bravo_pages(tmp_path_factory.mktemp("bravo"))
    hr_dir = tmp_path_factory.mktemp("bravo-hr")
    (hr_dir / "salary-bands.md").write_text(SALARY_BANDS_DOC)
    settings_kb = Settings(database_url=database_url, embeddings="local")
    with db.connect(database_url) as conn:
        reset_database(conn)
        conn.execute("TRUNCATE slack_installations, slack_oauth_states")
        conn.commit()
        for folder, name in ((handbook, "alpha-docs"), (bravo_dir, "bravo-docs"), (hr_dir, "bravo-hr")):
            ingest_folder(conn, folder, name, embedder=local_embedder, settings=settings_kb)
        conn.commit()
    redis = services.RedisServer().start()
    with SlackStandin() as slack:
        bravo = slack.add_workspace(BRAVO, team_name="Bravo Inc")
        settings = Settings(
            database_url=database_url,
            redis_url=redis.url,
            slack_api_url=slack.web_api_url,
            slack_signing_secret=slack.signing_secret,
            slack_client_id=slack.client_id,
            slack_client_secret=slack.client_secret,
            token_keys=[KEY],
            embeddings="local",
            membership_cache_s=0,
        )
        env = oauth_worker_env(
            slack,
            database_url,
            redis.url,
            [KEY],
            ANSWERLOOP_LLM="",
            ANSWERLOOP_MEMBERSHIP_CACHE_S="0",  # every question asks Slack: a failing lookup is seen
        )
        worker = services.Worker(env).start()
        from workers.celery_app import use_broker

        use_broker(redis.url)
        try:
            with serving(slack, settings, Intake(settings, pii_guard, enqueue_answer, database_url)) as port:
                base = f"http://127.0.0.1:{port}"
                for workspace in (slack, bravo):
                    _install(base, workspace)
                for name, team in (("alpha-docs", ALPHA), ("bravo-docs", BRAVO)):
                    r = run_cli(database_url, "collections", "set", name, "--visibility", "public", "--team", team)
                    assert r.returncode == 0, r.stderr
                private = bravo.channel_id("team-private")
                r = run_cli(
                    database_url, "collections", "set", "bravo-hr", "--visibility", "restricted", "--channel", private,
                    "--team", BRAVO,
                )  # fmt: skip
                assert r.returncode == 0, r.stderr
                yield slack, bravo, settings
        finally:
            worker.stop()
    redis.stop()


def _install(base: str, workspace) -> None:
    """A person of `workspace` installs the app: /slack/install → Slack's authorize page → the redirect."""
    browser = Browser()
    status, page = browser.get(f"{base}/slack/install")
    assert status == 200, page
    state = re.search(r"state=([\w-]+)", page).group(1)
    status, page = browser.get(f"{base}/slack/oauth_redirect?code={workspace.issue_oauth_code()}&state={state}")
    assert status == 200, page


def _dm(workspace, text: str, user: str = "alice"):
    msg = workspace.send_dm(text, user=user)
    return msg, workspace.wait_for_bot_reply(msg.channel, msg.ts, timeout=180, predicate=final)


def _shown(message) -> str:
    return (message.text or "") + json.dumps(message.blocks or [])


def _interaction(url: str, team: str, ts: str) -> str:
    with db.connect(url) as conn:
        row = conn.execute(
            "SELECT interaction_id FROM slack_requests WHERE team_id = %s AND message_ts = %s", (team, ts)
        ).fetchone()
    return str(row["interaction_id"])


def test_each_workspace_installed_through_oauth_with_its_own_token(stack):
    slack, bravo, settings = stack
    with db.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT * FROM slack_installations ORDER BY team_id").fetchall()
    by_team = {r["team_id"]: r for r in rows}
    assert {t: r["bot_user_id"] for t, r in by_team.items()} == {ALPHA: slack.bot_user_id, BRAVO: bravo.bot_user_id}
    tokens = {t: TokenCipher([KEY]).decrypt(r["bot_token_encrypted"]) for t, r in by_team.items()}
    assert tokens == {ALPHA: slack.bot_token, BRAVO: bravo.bot_token} and slack.bot_token != bravo.bot_token
    assert by_team[BRAVO]["installer_user_id"] == bravo.user_id("alice") != slack.user_id("alice")


def test_a_dm_is_answered_from_its_own_workspace_with_its_own_token(stack):
    slack, bravo, settings = stack
    msg, reply = _dm(bravo, ESCALATION)
    assert "7 minutes" in reply.text and "10 minutes" not in _shown(reply)
    assert "on-call.md" not in _shown(reply).replace("bravo-on-call.md", ""), "no alpha document, not even closest"
    _, alpha_reply = _dm(slack, ESCALATION)
    assert "10 minutes" in alpha_reply.text and "7 minutes" not in _shown(alpha_reply)

    with db.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT collections, team_id FROM interactions WHERE id = %s",
            (_interaction(settings.database_url, BRAVO, msg.ts),),
        ).fetchone()
    assert row["team_id"] == BRAVO and "bravo-docs" in row["collections"]
    assert set(row["collections"]) <= {"bravo-docs", "bravo-hr"}, "searched bravo's collections only"
    written = [c for c in bravo.calls() if c.method.startswith(("chat.", "assistant."))]
    assert written and all(c.token == bravo.bot_token for c in written), "bravo is answered with bravo's token"
    assert not [c for c in slack.calls() if c.args.get("channel") == msg.channel], "alpha's token never names it"


def test_alphas_verified_answer_labels_stats_gaps_and_prompts_never_reach_bravo(stack):
    slack, bravo, settings = stack
    url = settings.database_url
    alice = slack.user_id("alice")
    # alpha: a question answered and 👍-voted (a popular prompt), an "I don't know" (a gap), a correction approved.
    hotel, hotel_reply = _dm(slack, HOTEL)
    assert "250 euros" in hotel_reply.text
    slack.click_feedback(hotel.channel, hotel_reply.ts, positive=True).wait(10)
    hotel_id = _interaction(url, ALPHA, hotel.ts)
    slack.wait_for(lambda: _labels(url, hotel_id), timeout=30, message="alpha's 👍 is not a label")
    unknown, _ = _dm(slack, UNKNOWN)
    deploys, _ = _dm(slack, DEPLOYS)
    with db.connect(url) as conn:
        fix = labels.record_correction(
            conn, _interaction(url, ALPHA, deploys.ts), correction=CORRECTION, user_id=alice, team_id=ALPHA
        )
        conn.commit()

    # An admin of bravo cannot see or approve alpha's label; alpha's admin can.
    for args in (("labels", "show", str(fix)), ("labels", "approve", str(fix))):
        r = run_cli(url, *args, "--team", BRAVO, embeddings="local")
        assert r.returncode == 2 and "does not exist" in (r.stderr + r.stdout), (args, r.stderr)
    assert _labels(url, _interaction(url, ALPHA, deploys.ts))[0]["status"] == "pending"
    r = run_cli(url, "labels", "approve", str(fix), "--team", ALPHA, "--collection", "alpha-docs", embeddings="local")
    assert r.returncode == 0 and "verified answer published" in r.stdout, r.stderr
    _, alpha_verified = _dm(slack, DEPLOYS)
    assert "data platform lead on duty" in alpha_verified.text, "alpha's verified answer works in alpha"

    # bravo: the same questions never meet alpha's verified answer, alpha's numbers or alpha's documents.
    _, bravo_deploys = _dm(bravo, DEPLOYS)
    assert "data platform lead" not in _shown(bravo_deploys) and "Verified answer" not in _shown(bravo_deploys)
    _, bravo_hotel = _dm(bravo, HOTEL)
    assert "310 euros" in bravo_hotel.text and "250 euros" not in _shown(bravo_hotel)

    # Labels, stats and gaps of one workspace (admin commands with --team).
    listed = {t: run_cli(url, "labels", "list", "--team", t) for t in (ALPHA, BRAVO)}
    assert str(fix) in listed[ALPHA].stdout and "hotel" in listed[ALPHA].stdout.lower()
    assert listed[BRAVO].returncode == 0 and "hotel" not in listed[BRAVO].stdout.lower()
    assert "data platform" not in listed[BRAVO].stdout
    stats = {t: run_cli(url, "stats", "--team", t) for t in (ALPHA, BRAVO)}
    assert stats[ALPHA].returncode == stats[BRAVO].returncode == 0
    assert stats[ALPHA].stdout != stats[BRAVO].stdout
    gaps = {t: run_cli(url, "gaps", "--team", t, "--format", "json") for t in (ALPHA, BRAVO)}
    assert "Lisbon" in gaps[ALPHA].stdout, gaps[ALPHA].stderr
    assert gaps[BRAVO].returncode == 0 and "Lisbon" not in gaps[BRAVO].stdout
    several = run_cli(url, "labels", "list")
    assert several.returncode == 2 and "--team" in several.stderr, "two installed: say which"
    assert _interaction(url, ALPHA, unknown.ts)

    # Suggested prompts: alpha's 👍 question is alpha's popular prompt, never bravo's.
    slack.open_home(tab="messages").wait(10)
    alpha_dm = slack.open_dm("alice")
    alpha_prompts = slack.wait_for(lambda: slack.suggested_prompts(alpha_dm), timeout=30)
    assert HOTEL in json.dumps(alpha_prompts)
    bravo.open_home(tab="messages").wait(10)
    bravo_dm = bravo.open_dm("alice")
    bravo_prompts = bravo.wait_for(lambda: bravo.suggested_prompts(bravo_dm), timeout=30)
    assert "hotel" not in json.dumps(bravo_prompts).lower()


def _labels(url: str, interaction_id: str) -> list[dict]:
    with db.connect(url) as conn:
        return conn.execute("SELECT * FROM labels WHERE interaction_id = %s ORDER BY id", (interaction_id,)).fetchall()


def test_restricted_membership_is_looked_up_in_the_askers_workspace(stack):
    slack, bravo, _ = stack
    private = bravo.channel_id("team-private")
    _, member = _dm(bravo, SALARY, user="alice")
    assert "142,000" in member.text
    lookups = [c for c in bravo.calls("conversations.members") if c.args.get("channel") == private]
    assert lookups and all(c.token == bravo.bot_token and c.ok for c in lookups), "bravo's Slack, bravo's token"
    assert not [c for c in slack.calls("conversations.members") if c.args.get("channel") == private]

    _, non_member = _dm(bravo, SALARY, user="bob")
    assert "142,000" not in _shown(non_member) and "salary-bands" not in _shown(non_member)
    _, other_workspace = _dm(slack, SALARY, user="alice")  # alpha's alice is in alpha's #team-private
    assert "142,000" not in _shown(other_workspace) and "salary-bands" not in _shown(other_workspace)


def test_a_membership_lookup_failure_denies(stack):
    _, bravo, _ = stack
    bravo.refuse_method("conversations.members", "internal_error")
    try:
        before = len(bravo.calls("conversations.members"))
        _, reply = _dm(bravo, SALARY, user="alice")
        failed = bravo.calls("conversations.members")[before:]
        assert failed and all(c.error == "internal_error" for c in failed), "the lookup was tried, and failed"
        assert "142,000" not in _shown(reply) and "salary-bands" not in _shown(reply)
    finally:
        bravo.allow_method("conversations.members")
    _, again = _dm(bravo, SALARY, user="alice")
    assert "142,000" in again.text, "once Slack answers again, the member reads it"
