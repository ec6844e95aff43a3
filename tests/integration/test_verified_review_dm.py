"""The review DM of verified answers (workers.verified_review) against the Slack stand-in, without Celery: sent
once per review period however often (or concurrently) the tick runs, refusals recorded, transient failures
retried on the next tick, a new period (after "Still correct") or a new owner asked again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from core import db
from feedback import labels
from slack_standin import BOB, SlackStandin
from tests.integration.test_verified_answers import QUESTION, age, approve
from workers.kb import verified
from workers.slack.verified_blocks import RETIRE, STILL_CORRECT, UPDATE
from workers.verified_review import send_review_requests


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        yield standin


def client_for(slack: SlackStandin):
    return lambda team: WebClient(base_url=slack.web_api_url, token=slack.bot_token)


def corrected(url: str, pipeline, local_embedder, *, owner: str | None, actor: str = "admin-ann", n: int = 0) -> int:
    """An approved correction of a fresh answer (its own interaction), owned by `owner`, 91 days old."""
    result = pipeline.ask(QUESTION, ["handbook"])
    with db.connect(url) as conn:
        label_id = labels.record_correction(
            conn, result.interaction_id, correction=f"Escalation after {7 + n} minutes.", user_id="U0EXPERT01"
        )
        conn.commit()
    approve(url, label_id, local_embedder, actor=actor, owner=owner)
    age(url, label_id, 91)
    return label_id


def dms(slack: SlackStandin, user: str) -> list:
    return [m for m in slack.messages(slack.open_dm(user)) if m.is_bot]


def test_the_owner_is_asked_once_per_review_period(slack, ingested_handbook, pipeline, local_embedder):
    url = ingested_handbook
    answer_id = corrected(url, pipeline, local_embedder, owner=BOB)
    first = send_review_requests(url, client_for(slack))
    assert first.sent == [answer_id] and not first.refused and not first.retry
    [dm] = dms(slack, BOB)
    assert "last verified on" in dm.text and "Escalation after 7 minutes" in json.dumps(dm.blocks)
    actions = next(b for b in dm.blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [STILL_CORRECT, UPDATE, RETIRE]
    assert all(e["value"] == str(answer_id) for e in actions["elements"])
    assert actions["elements"][2]["confirm"]["confirm"]["text"] == "Retire"

    again = send_review_requests(url, client_for(slack))
    assert again.sent == [] and len(dms(slack, BOB)) == 1, "one DM per review period"
    with db.connect(url) as conn:
        a = verified.get(conn, answer_id)
        assert a.notice["channel"] == slack.open_dm(BOB) and a.notice["ts"] == dm.ts
        assert [r["action"] for r in conn.execute("SELECT action FROM admin_actions WHERE action LIKE 'verified.%'")]
        assert conn.execute(
            "SELECT count(*) AS n FROM admin_actions WHERE action = 'verified.review_requested'"
        ).fetchone() == {"n": 1}

    # "Still correct" starts a new period: nothing is due now; once that one passes, the owner is asked again.
    with db.connect(url) as conn:
        verified.confirm(conn, answer_id, f"slack:{BOB}")
        conn.commit()
    assert send_review_requests(url, client_for(slack)).sent == []
    age(url, answer_id, 91)
    assert send_review_requests(url, client_for(slack)).sent == [answer_id]
    assert len(dms(slack, BOB)) == 2


def test_concurrent_ticks_send_one_dm(slack, ingested_handbook, pipeline, local_embedder):
    url = ingested_handbook
    ids = [corrected(url, pipeline, local_embedder, owner=BOB, n=i) for i in range(3)]
    runs: list = []
    threads = [
        threading.Thread(target=lambda: runs.append(send_review_requests(url, client_for(slack)))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(i for r in runs for i in r.sent) == ids
    assert len(dms(slack, BOB)) == 3


def test_refusals_are_kept_and_transient_failures_retried(slack, ingested_handbook, pipeline, local_embedder):
    url = ingested_handbook
    not_slack = corrected(url, pipeline, local_embedder, owner=None, actor="admin-ann")  # owner: a CLI name
    carol = slack.add_user("carol")
    disabled = corrected(url, pipeline, local_embedder, owner=carol.id, n=1)
    slack.deactivate_user("carol")
    run = send_review_requests(url, client_for(slack))
    assert run.refused == {not_slack: "owner_not_a_slack_user", disabled: "user_disabled"} and run.sent == []
    assert send_review_requests(url, client_for(slack)).refused == {}, "a refusal is not retried every tick"
    with db.connect(url) as conn:
        listed = {a.id: a for a in verified.list_answers(conn, needs_review=True)}
    assert listed[disabled].notice["error"] == "user_disabled"

    # Reassigned: the new owner is asked, even though the period's DM was already "used".
    with db.connect(url) as conn:
        verified.reassign(conn, disabled, BOB, "ann")
        conn.commit()
    slack.inject_rate_limit("chat.postMessage", count=1, retry_after=1)
    run = send_review_requests(url, client_for(slack))
    assert run.retry == [disabled] and run.sent == [] and dms(slack, BOB) == []
    run = send_review_requests(url, client_for(slack))
    assert run.sent == [disabled] and len(dms(slack, BOB)) == 1


def test_an_answer_whose_source_changed_is_asked_about_with_the_change(
    slack, ingested_handbook, pipeline, local_embedder
):
    url = ingested_handbook
    answer_id = corrected(url, pipeline, local_embedder, owner=BOB)
    age(url, answer_id, -91)  # back to a fresh review date: only the source makes it due
    assert send_review_requests(url, client_for(slack)).sent == []
    with db.connect(url) as conn:
        conn.execute("UPDATE documents SET content_hash = 'edited' WHERE source_path = 'on-call.md'")
        conn.commit()
    assert send_review_requests(url, client_for(slack)).sent == [answer_id]
    [dm] = dms(slack, BOB)
    assert "has changed since it was approved" in dm.text and "on-call.md" in json.dumps(dm.blocks)
    assert "review due" not in dm.text


def test_the_beat_sends_the_review_tick_to_the_ingest_queue_every_hour():
    from core.settings import Settings
    from workers.celery_app import INGEST_QUEUE, beat_schedule, celery_app

    for retune in (True, False):
        entry = beat_schedule(Settings(retune_enabled=retune))["verified-reviews"]
        assert entry["task"] == "workers.verified_review.request_due_reviews"
        assert entry["schedule"] == 3600.0 and entry["options"]["queue"] == INGEST_QUEUE
    route = celery_app.conf.task_routes["workers.verified_review.request_due_reviews"]
    assert route == {"queue": INGEST_QUEUE}


def test_the_app_home_lists_verified_answers_due_for_review(ingested_handbook, pipeline, local_embedder):
    from bot.app_home import admin_blocks

    url = ingested_handbook

    def home() -> str:
        with db.connect(url) as conn:
            return json.dumps(admin_blocks(conn))

    answer_id = corrected(url, pipeline, local_embedder, owner=BOB)
    shown = home()
    assert "Verified answers due for review* (1)" in shown and f"<@{BOB}>" in shown
    assert f"verified show {answer_id}" in shown and "review due" in shown
    with db.connect(url) as conn:
        verified.confirm(conn, answer_id, f"slack:{BOB}")
        conn.commit()
    assert "none due for review" in home()


def test_an_answer_of_a_workspace_the_app_was_uninstalled_from_is_refused_not_retried_every_tick(
    slack, ingested_handbook, pipeline, local_embedder
):
    """With OAuth installs, a workspace that uninstalled the app has no token: its owners can't be DMed until it
    is installed again, so that is a refusal of this period (like token_revoked), not a warning every tick."""
    from core.errors import ConfigError

    url = ingested_handbook
    gone = corrected(url, pipeline, local_embedder, owner=BOB)
    with db.connect(url) as conn:
        conn.execute("UPDATE labels SET team_id = 'T0GONE0001' WHERE id = %s", (gone,))
        conn.execute(  # another workspace is installed: this is an OAuth deployment
            "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
            "VALUES ('T0STAYED01', 'U0BOT', 'B0BOT', 'not-a-token')"
        )
        conn.commit()

    def client_for_installed(team: str) -> WebClient:
        if team == "T0GONE0001":
            raise ConfigError("No Slack token for workspace T0GONE0001.")
        return client_for(slack)(team)

    try:
        run = send_review_requests(url, client_for_installed)
        assert run.refused == {gone: "workspace_not_installed"} and run.retry == []
        assert send_review_requests(url, client_for_installed).refused == {}, "not retried every tick"
    finally:
        with db.connect(url) as conn:
            conn.execute("DELETE FROM slack_installations WHERE team_id = 'T0STAYED01'")
            conn.commit()


def test_a_workspace_uninstalled_during_the_run_is_refused_not_an_error(
    slack, ingested_handbook, pipeline, local_embedder
):
    """Installed when the run read the installs, gone when its owner is DMed: bot_token_for raises
    WorkspaceNotInstalled (an AnswerloopError, not a ConfigError); the run goes on and refuses it for the period."""
    from workers.slack.installations import WorkspaceNotInstalled

    url = ingested_handbook
    gone = corrected(url, pipeline, local_embedder, owner=BOB)
    with db.connect(url) as conn:
        conn.execute("UPDATE labels SET team_id = 'T0GONE0001' WHERE id = %s", (gone,))
        conn.execute(
            "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
            "VALUES ('T0GONE0001', 'U0BOT', 'B0BOT', 'not-a-token')"
        )
        conn.commit()

    def client_for_uninstalled_meanwhile(team: str) -> WebClient:
        raise WorkspaceNotInstalled(team)

    try:
        run = send_review_requests(url, client_for_uninstalled_meanwhile)
        assert run.refused == {gone: "workspace_not_installed"} and run.retry == []
    finally:
        with db.connect(url) as conn:
            conn.execute("DELETE FROM slack_installations WHERE team_id = 'T0GONE0001'")
            conn.commit()


def test_without_any_install_a_missing_token_is_retried(slack, ingested_handbook, pipeline, local_embedder):
    """A bot-token deployment whose worker lacks the token is a configuration to fix: retried on the next tick."""
    from core.errors import ConfigError

    url = ingested_handbook
    answer_id = corrected(url, pipeline, local_embedder, owner=BOB)

    def no_token(team: str) -> WebClient:
        raise ConfigError("SLACK_BOT_TOKEN is not set.")

    run = send_review_requests(url, no_token)
    assert run.retry == [answer_id] and run.refused == {}
