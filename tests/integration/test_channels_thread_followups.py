"""`answerloop channels set … --thread-followups on|off`: stored in Postgres, shown by `channels show`, audited,
and what the Slack listener's intake reads to decide whether a reply in a thread the bot answered is a question."""

from __future__ import annotations

from bot.intake import Intake
from core import db
from tests.conftest import make_settings
from tests.support.cli_runner import run_cli
from workers.slack import store as slack_store
from workers.slack.store import RequestKey

TEAM, CHANNEL, THREAD = "T0FOLLOW1", "C0FOLLOW1", "1700000000.000100"


def test_thread_followups_are_on_by_default_and_a_channel_can_turn_them_off(clean_db, pii_guard):
    intake = Intake(make_settings(clean_db), pii_guard, lambda key, priority: None, clean_db)
    assert not intake.follows_up(TEAM, CHANNEL, THREAD), "the bot has not answered in this thread"
    with db.connect(clean_db) as conn:
        slack_store.create_request(
            conn, RequestKey(TEAM, CHANNEL, THREAD), thread_ts=THREAD, user_id="U0ALICE001", kind="mention",
            question_redacted="What is the hotel cap?", pii={}, reply_mode="in_channel",
        )  # fmt: skip
        conn.commit()
    assert intake.follows_up(TEAM, CHANNEL, THREAD), "an unconfigured channel answers follow-ups"

    off = run_cli(clean_db, "channels", "set", f"{TEAM}/{CHANNEL}", "--thread-followups", "off", "--actor", "ann")
    assert off.returncode == 0, off.stderr
    assert not intake.follows_up(TEAM, CHANNEL, THREAD)
    shown = run_cli(clean_db, "channels", "show").stdout
    assert f"{TEAM}/{CHANNEL}" in shown and "thread follow-ups: off" in shown

    # other settings leave it alone; `on` turns it back on
    assert run_cli(clean_db, "channels", "set", f"{TEAM}/{CHANNEL}", "--mode", "ephemeral").returncode == 0
    assert not intake.follows_up(TEAM, CHANNEL, THREAD)
    assert run_cli(clean_db, "channels", "set", f"{TEAM}/{CHANNEL}", "--thread-followups", "ON").returncode == 0
    assert intake.follows_up(TEAM, CHANNEL, THREAD)
    listed = run_cli(clean_db, "channels", "list").stdout
    assert "thread follow-ups: on" in listed and "mode: ephemeral" in listed

    with db.connect(clean_db) as conn:
        audit = conn.execute(
            "SELECT actor, details FROM admin_actions WHERE action = 'channels.set' ORDER BY id"
        ).fetchall()
    assert (audit[0]["actor"], audit[0]["details"]["thread_followups"]) == ("ann", False)
    assert audit[-1]["details"]["thread_followups"] is True


def test_a_wrong_value_is_a_clear_error(clean_db):
    r = run_cli(clean_db, "channels", "set", f"{TEAM}/{CHANNEL}", "--thread-followups", "maybe")
    assert r.returncode == 2 and "not on or off" in r.stderr and "Traceback" not in r.stderr
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM channel_settings").fetchone()["n"] == 0
