"""Naming the owner of a verified answer (`verified reassign --owner`, `labels approve --owner`) asks Slack
(users.info, here the stand-in) about the id first: an id no one has, a deactivated account, a bot or Slackbot is
refused with nothing changed — its review DM would fail later, unseen —; when Slack cannot be asked (no token for
the workspace, unreachable, 5xx, rate-limited) the owner is taken with a warning saying it was not checked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot

from core import db
from feedback import labels
from slack_standin import ALICE, BOB, TEAM_ID, SlackStandin
from tests.integration.test_verified_answers import QUESTION, approve
from tests.support.cli_runner import run_cli
from workers.kb import verified
from workers.slack.installations import PostgresInstallationStore, TokenCipher, new_key

NOBODY = "U0NOBODY01"  # well-formed, but no account in the workspace


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        yield standin


def slack_env(slack: SlackStandin, **extra: str) -> dict[str, str]:
    """The CLI configured with the stand-in's bot token (a bot-token install)."""
    return {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "ANSWERLOOP_SLACK_API_URL": slack.web_api_url,
        "SLACK_CLIENT_ID": "",
        "SLACK_CLIENT_SECRET": "",
        **extra,
    }


def not_a_person(slack: SlackStandin, kind: str) -> tuple[str, str]:
    """(user id, what the refusal says) of an id that must not own a verified answer."""
    if kind == "unknown":
        return NOBODY, f"Slack has no user {NOBODY}"
    if kind == "deactivated":
        carol = slack.add_user("carol")
        slack.deactivate_user("carol")
        return carol.id, "deactivated"
    if kind == "bot":
        return slack.add_bot_user("standup").id, "is a bot"
    return "USLACKBOT", "Slackbot"


def correction_label(url: str, pipeline, team: str = TEAM_ID) -> int:
    """A pending correction of a fresh answer (its own interaction) asked in workspace `team`."""
    result = pipeline.ask(QUESTION, ["handbook"], team_id=team)
    with db.connect(url) as conn:
        label_id = labels.record_correction(
            conn, result.interaction_id, correction="Escalation after 7 minutes.", user_id="U0EXPERT01", team_id=team
        )
        conn.commit()
    return label_id


def handbook_owned_by_the_workspace(url: str) -> None:
    """As after the workspace's first question through Slack (workers.access.claim_unowned): an answer's owner
    must be able to read its collection, which an unowned collection is to no one of a workspace."""
    with db.connect(url) as conn:
        conn.execute("UPDATE collections SET team_id = %s WHERE name = 'handbook'", (TEAM_ID,))
        conn.commit()


def owner_of(url: str, answer_id: int) -> str:
    with db.connect(url) as conn:
        return verified.get(conn, answer_id).owner


def audited(url: str, action: str) -> int:
    with db.connect(url) as conn:
        return db.one(conn.execute("SELECT count(*) AS n FROM admin_actions WHERE action = %s", (action,)))["n"]


def asked_about(slack: SlackStandin) -> list[str]:
    return [str(c.args.get("user")) for c in slack.calls("users.info")]


def refused(r, says: str) -> None:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert says in r.stderr and "→" in r.stderr and "Traceback" not in r.stderr, r.stderr


KINDS = ["unknown", "deactivated", "bot", "slackbot"]


@pytest.mark.parametrize("kind", KINDS)
def test_reassign_refuses_an_owner_slack_says_is_no_active_person(
    slack, ingested_handbook, pipeline, local_embedder, kind
):
    url = ingested_handbook
    answer_id = correction_label(url, pipeline, team=TEAM_ID)
    approve(url, answer_id, local_embedder, owner=BOB)
    owner, says = not_a_person(slack, kind)

    r = run_cli(url, "verified", "reassign", str(answer_id), "--owner", owner, "--actor", "ann", env=slack_env(slack))
    refused(r, says)
    assert owner_of(url, answer_id) == BOB and audited(url, "verified.reassign") == 0, "nothing was changed"
    if kind != "slackbot":  # Slackbot is no person whatever users.info says (is_bot: false)
        assert asked_about(slack) == [owner]


@pytest.mark.parametrize("kind", KINDS)
def test_approve_refuses_an_owner_slack_says_is_no_active_person(slack, ingested_handbook, pipeline, kind):
    url = ingested_handbook
    label_id = correction_label(url, pipeline, team=TEAM_ID)
    owner, says = not_a_person(slack, kind)

    r = run_cli(
        url, "labels", "approve", str(label_id), "--owner", owner, "--actor", "ann", embeddings="local",
        env=slack_env(slack),
    )  # fmt: skip
    refused(r, says)
    with db.connect(url) as conn:
        assert labels.get_label(conn, label_id)["status"] == "pending", "nothing was approved"
        assert verified.list_answers(conn) == [], "no verified answer was published"


def test_a_person_becomes_the_owner_and_is_named(slack, ingested_handbook, pipeline, local_embedder):
    url = ingested_handbook
    handbook_owned_by_the_workspace(url)
    answer_id = correction_label(url, pipeline, team=TEAM_ID)
    approve(url, answer_id, local_embedder, owner=BOB)

    r = run_cli(url, "verified", "reassign", str(answer_id), "--owner", ALICE, "--actor", "ann", env=slack_env(slack))
    assert r.returncode == 0 and f"now owned by {ALICE} (Alice Example)" in r.stdout, (r.stdout, r.stderr)
    # asked twice: is it a person (the owner check), and of this organisation (the access rule's own lookup)
    assert "not checked" not in r.stderr and set(asked_about(slack)) == {ALICE}
    assert owner_of(url, answer_id) == ALICE

    other = correction_label(url, pipeline, team=TEAM_ID)
    r = run_cli(
        url, "labels", "approve", str(other), "--owner", BOB, "--actor", "ann", embeddings="local",
        env=slack_env(slack),
    )  # fmt: skip
    assert r.returncode == 0 and "verified answer published" in r.stdout, r.stderr
    assert f"owned by {BOB} (Bob Example)" in r.stdout and "not checked" not in r.stderr
    assert owner_of(url, other) == BOB


def test_slack_unreachable_or_failing_takes_the_owner_with_a_warning(
    slack, ingested_handbook, pipeline, local_embedder
):
    url = ingested_handbook
    answer_id = correction_label(url, pipeline, team=TEAM_ID)
    approve(url, answer_id, local_embedder, owner=BOB)

    def reassign(owner: str, env: dict[str, str]):
        r = run_cli(url, "verified", "reassign", str(answer_id), "--owner", owner, "--actor", "ann", env=env)
        assert r.returncode == 0 and f"now owned by {owner}" in r.stdout, (r.stdout, r.stderr)
        assert owner_of(url, answer_id) == owner
        return r.stderr

    down = slack_env(slack, ANSWERLOOP_SLACK_API_URL="http://127.0.0.1:1/api/")
    stderr = reassign(NOBODY, down)  # even an id Slack would refuse: it could not be asked
    assert f"owner {NOBODY} not checked" in stderr and "could not reach Slack" in stderr, stderr

    slack.inject_server_error("users.info", count=10, status=503)
    stderr = reassign(ALICE, slack_env(slack))
    assert f"owner {ALICE} not checked" in stderr and "HTTP 503" in stderr, stderr
    slack.clear_faults()

    slack.inject_rate_limit("users.info", count=10, retry_after=30)
    stderr = reassign(BOB, slack_env(slack))
    assert f"owner {BOB} not checked" in stderr and "ratelimited" in stderr, stderr
    slack.clear_faults()

    stderr = reassign(ALICE, slack_env(slack, SLACK_BOT_TOKEN=""))  # Slack not configured for the CLI
    assert f"owner {ALICE} not checked" in stderr and "SLACK_BOT_TOKEN" in stderr, stderr

    label_id = correction_label(url, pipeline, team=TEAM_ID)
    r = run_cli(
        url, "labels", "approve", str(label_id), "--owner", NOBODY, "--actor", "ann", embeddings="local", env=down
    )
    assert r.returncode == 0 and "verified answer published" in r.stdout, r.stderr
    assert f"owner {NOBODY} not checked" in r.stderr and "could not reach Slack" in r.stderr, r.stderr
    assert owner_of(url, label_id) == NOBODY
    assert audited(url, "verified.reassign") == 4


def test_with_oauth_installs_the_workspaces_own_token_is_used(slack, ingested_handbook, pipeline, local_embedder):
    """The owner is looked up with the installation's token of the answer's workspace; a workspace with no
    installation (uninstalled, its questions kept) can't be asked: a warning."""
    url = ingested_handbook
    handbook_owned_by_the_workspace(url)
    key = new_key()
    PostgresInstallationStore(url, TokenCipher([key])).save_bot(
        Bot(
            team_id=TEAM_ID,
            bot_token=slack.bot_token,
            bot_id="B0BOTID001",
            bot_user_id="U0BOTUSER1",
            installed_at=datetime.now(UTC).timestamp(),
        )
    )
    env = {
        "SLACK_BOT_TOKEN": "",
        "ANSWERLOOP_SLACK_API_URL": slack.web_api_url,
        "SLACK_CLIENT_ID": slack.client_id,
        "SLACK_CLIENT_SECRET": slack.client_secret,
        "ANSWERLOOP_TOKEN_KEYS": json.dumps([key]),
    }
    answer_id = correction_label(url, pipeline, team=TEAM_ID)
    approve(url, answer_id, local_embedder, owner=BOB)
    r = run_cli(url, "verified", "reassign", str(answer_id), "--owner", NOBODY, "--actor", "ann", env=env)
    refused(r, f"Slack has no user {NOBODY}")
    assert owner_of(url, answer_id) == BOB
    r = run_cli(url, "verified", "reassign", str(answer_id), "--owner", ALICE, "--actor", "ann", env=env)
    assert r.returncode == 0 and "(Alice Example)" in r.stdout, (r.stdout, r.stderr)

    elsewhere = correction_label(url, pipeline, team="T0BRAVO001")  # questions here, the app not installed there
    approve(url, elsewhere, local_embedder, owner=BOB)
    r = run_cli(
        url, "verified", "reassign", str(elsewhere), "--owner", ALICE, "--team", "T0BRAVO001", "--actor", "ann",
        env=env,
    )  # fmt: skip
    assert r.returncode == 0 and owner_of(url, elsewhere) == ALICE, (r.stdout, r.stderr)
    assert f"owner {ALICE} not checked" in r.stderr, r.stderr
    assert "no longer installed in workspace T0BRAVO001" in r.stderr, r.stderr


def test_the_standin_answers_users_info_as_slack_does(slack):
    """What the check relies on: users.info's answers for no one, a deactivated account, a bot and Slackbot."""
    client = WebClient(base_url=slack.web_api_url, token=slack.bot_token)
    with pytest.raises(SlackApiError) as refused_info:
        client.users_info(user=NOBODY)
    assert refused_info.value.response["error"] == "user_not_found"
    carol = slack.add_user("carol")
    slack.deactivate_user("carol")
    assert client.users_info(user=carol.id)["user"]["deleted"] is True
    assert client.users_info(user=slack.add_bot_user("standup").id)["user"]["is_bot"] is True
    slackbot = client.users_info(user="USLACKBOT")["user"]
    assert (slackbot["id"], slackbot["name"], slackbot["is_bot"], slackbot["deleted"]) == (
        "USLACKBOT",
        "slackbot",
        False,
        False,
    )


def test_reassign_refuses_an_owner_who_may_not_read_what_the_answer_was_made_from(
    slack, ingested_handbook, pipeline, local_embedder
):
    """A person with an active account may still be outside a restricted collection: its review DM would never
    be sent to them (`owner_cannot_read`, workers.verified_review.may_review). Asked of the same rule, at once."""
    url = ingested_handbook
    answer_id = correction_label(url, pipeline, team=TEAM_ID)
    approve(url, answer_id, local_embedder, owner=BOB)
    hr = slack.add_channel("hr-private", members=["bob"], private=True)
    r = run_cli(
        url, "collections", "set", "handbook", "--visibility", "restricted", "--channel", hr.id, "--team", TEAM_ID
    )
    assert r.returncode == 0, r.stderr
    try:
        r = run_cli(
            url, "verified", "reassign", str(answer_id), "--owner", ALICE, "--actor", "ann", env=slack_env(slack)
        )
        refused(r, "may not read what verified answer")
        assert "handbook" in r.stderr and "collections show" in r.stderr, r.stderr
        assert owner_of(url, answer_id) == BOB and audited(url, "verified.reassign") == 0, "nothing was changed"

        slack.set_channel_members(hr.id, ["alice", "bob"])  # Alice joins the channel the collection is kept to
        r = run_cli(
            url, "verified", "reassign", str(answer_id), "--owner", ALICE, "--actor", "ann", env=slack_env(slack)
        )
        assert r.returncode == 0, r.stderr
        assert owner_of(url, answer_id) == ALICE
    finally:
        run_cli(url, "collections", "set", "handbook", "--visibility", "public")


def test_approve_refuses_an_owner_who_may_not_read_what_the_answer_is_made_from(slack, ingested_handbook, pipeline):
    url = ingested_handbook
    label_id = correction_label(url, pipeline, team=TEAM_ID)
    hr = slack.add_channel("hr-private", members=["bob"], private=True)
    r = run_cli(
        url, "collections", "set", "handbook", "--visibility", "restricted", "--channel", hr.id, "--team", TEAM_ID
    )
    assert r.returncode == 0, r.stderr

    r = run_cli(
        url, "labels", "approve", str(label_id), "--owner", ALICE, "--actor", "ann", embeddings="local",
        env=slack_env(slack),
    )  # fmt: skip
    refused(r, "may not read what verified answer")
    with db.connect(url) as conn:
        assert labels.get_label(conn, label_id)["status"] == "pending", "nothing was approved"
        assert verified.list_answers(conn) == [], "no verified answer was published"

    r = run_cli(
        url, "labels", "approve", str(label_id), "--owner", BOB, "--actor", "ann", embeddings="local",
        env=slack_env(slack),
    )  # fmt: skip
    assert r.returncode == 0 and owner_of(url, label_id) == BOB, (r.stdout, r.stderr)
