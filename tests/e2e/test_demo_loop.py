"""The main job's feedback loop as a user drives it: `answerloop demo` with terminal commands on stdin, and the
scripted `answerloop demo --tour` — each a subprocess running the whole local stack (embedded Redis, the Slack
stand-in, a Celery worker, the Socket Mode bot) against a real Postgres. What counts is what was stored: labels,
reasons, comments, corrections, the approval and the verified answer the next question was answered from."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core import db
from slack_standin import ALICE, BOB
from tests.conftest import REPO, SAMPLE_KB, reset_database
from tests.support.cli_runner import run_cli


@pytest.fixture(scope="module")
def demo_db(database_url: str) -> str:
    """The handbook ingested the way a user would (`kb ingest`, which also calibrates): the demo then finds a
    knowledge base and ingests nothing itself."""
    with db.connect(database_url) as conn:
        reset_database(conn)
        conn.commit()
    r = run_cli(database_url, "kb", "ingest", str(SAMPLE_KB / "handbook"), "-c", "handbook", embeddings="local")
    assert r.returncode == 0, r.stderr
    return database_url


def demo(url: str, home, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ANSWERLOOP_HOME": str(home),  # logs of the embedded Redis and the worker
        "ANSWERLOOP_EMBEDDINGS": "local",
        "ANSWERLOOP_LLM": "",
        "REDIS_URL": "",  # the demo's own Redis: its worker must not take other runs' tasks
        "ANSWERLOOP_ADMIN": "demo-admin",
        "COLUMNS": "200",
    }
    env.pop("ANSWERLOOP_ADMINS", None)
    return subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", "demo", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=900,
    )


def rows(url: str, sql: str, *args) -> list[dict]:
    with db.connect(url) as conn:
        return conn.execute(sql, args).fetchall()


def asked(url: str, question: str) -> dict:
    """The Slack request and interaction of the question posted with this text (the first, if asked twice)."""
    found = rows(
        url,
        "SELECT r.message_ts, r.thread_ts, r.status AS request_status, i.id AS interaction_id, i.status, i.answerer "
        "FROM slack_requests r JOIN interactions i ON i.id = r.interaction_id "
        "WHERE i.question_redacted = %s ORDER BY r.message_ts",
        question,
    )
    assert found, f"no interaction for {question!r}"
    return found[0]


def labels_of(url: str, interaction_id) -> list[dict]:
    return rows(url, "SELECT * FROM labels WHERE interaction_id = %s ORDER BY id", interaction_id)


HOLIDAY = "How many days of notice does a holiday request need?"
HOTEL = "What is the nightly hotel cap for a trip to London?"
CORRECTED = "The nightly hotel cap in London is 300 GBP since October."


def test_terminal_commands_act_on_the_last_answer_through_slack(demo_db, tmp_path):
    script = "\n".join(
        [
            "/up",  # nothing to act on yet
            HOLIDAY,
            "/up",
            "/frobnicate",
            HOTEL,
            "/down outdated the cap's gone up since October",
            f"/improve {CORRECTED}",
            "/reply and for a trip to Paris?",
            "/reply",  # no text
            "/help",
        ]
    )
    r = demo(demo_db, tmp_path, stdin=script + "\n")
    assert r.returncode == 0, r.stderr[-3000:] + r.stdout[-3000:]
    out = r.stdout
    assert "There is no answer yet" in out and "Unknown command /frobnicate" in out
    assert "/reply needs the text" in out and "/improve TEXT" in out, "clear messages and the help"
    assert "Traceback" not in r.stderr

    holiday = asked(demo_db, HOLIDAY)
    [up] = labels_of(demo_db, holiday["interaction_id"])
    assert (up["kind"], up["user_id"], up["status"]) == ("up", ALICE, "pending")
    assert up["reactions"] == ["feedback_button:up"], "the click on the answer's 👍, not a reaction"

    hotel = asked(demo_db, HOTEL)
    stored = labels_of(demo_db, hotel["interaction_id"])
    assert [lb["kind"] for lb in stored] == ["down", "correction"], (stored, out[-4000:])
    down, correction = stored
    assert (down["kind"], down["user_id"], down["reasons"]) == ("down", ALICE, ["outdated"])
    assert "gone up since October" in down["comment"], "the rest of /down went through the comment form"
    assert (correction["kind"], correction["source"], correction["status"]) == ("correction", "modal", "pending")
    assert correction["correction"] == CORRECTED and correction["user_id"] == ALICE

    # /reply: a follow-up in the hotel answer's thread, without a mention, answered there.
    [follow] = rows(
        demo_db,
        "SELECT r.status, i.question_redacted FROM slack_requests r JOIN interactions i ON i.id = r.interaction_id "
        "WHERE r.thread_ts = %s AND r.message_ts <> %s",
        hotel["message_ts"],
        hotel["message_ts"],
    )
    assert follow["status"] == "delivered" and "Paris" in follow["question_redacted"]


def test_the_tour_goes_from_a_thumbs_down_to_an_answer_from_the_approved_correction(demo_db, tmp_path):
    from cli.demo_tour import CORRECTION, PARAPHRASE, QUESTION

    r = demo(demo_db, tmp_path, "--tour")
    assert r.returncode == 0, r.stderr[-3000:] + r.stdout[-3000:]
    assert "answerloop labels approve" in r.stdout and "Step 5" in r.stdout

    first = asked(demo_db, QUESTION)
    down, correction = labels_of(demo_db, first["interaction_id"])
    assert (down["kind"], down["user_id"], down["reasons"]) == ("down", ALICE, ["incomplete"])
    assert (correction["kind"], correction["user_id"], correction["correction"]) == ("correction", BOB, CORRECTION)
    assert (correction["status"], correction["reviewed_by"]) == ("approved", "demo-admin")
    [audit] = rows(demo_db, "SELECT actor, action FROM admin_actions WHERE target = %s", f"label:{correction['id']}")
    assert audit == {"actor": "demo-admin", "action": "labels.approve"}, "approved through the admin command's path"
    [verified] = rows(demo_db, "SELECT answer, verified_by FROM verified_answers WHERE label_id = %s", correction["id"])
    assert verified == {"answer": CORRECTION, "verified_by": "bob"}

    again = asked(demo_db, PARAPHRASE)
    assert (again["answerer"], again["status"], again["request_status"]) == ("verified", "answered", "delivered")
