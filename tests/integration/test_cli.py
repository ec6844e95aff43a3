"""The `answerloop` command line as a user runs it (subprocess, real Postgres)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, SAMPLE_KB
from tests.support.cli_runner import run_cli


def run(url: str, *args: str, stdin: str | None = None, embeddings: str = "none") -> subprocess.CompletedProcess:
    return run_cli(url, *args, stdin=stdin, embeddings=embeddings)


@pytest.fixture()
def cli_kb(clean_db):
    r = run(clean_db, "kb", "ingest", str(SAMPLE_KB / "handbook"), "--collection", "handbook", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["added"] == 7 and report["failed"] == []
    return clean_db


def test_db_status_and_idempotent_upgrade(clean_db):
    r = run(clean_db, "db", "upgrade")
    assert r.returncode == 0 and "up to date" in r.stdout
    r = run(clean_db, "db", "status")
    assert r.returncode == 0
    migrations = len(list((REPO / "migrations").glob("*.sql")))
    assert r.stdout.count("applied") == migrations and "pending" not in r.stdout


def test_ask_json_contract(cli_kb):
    r = run(
        cli_kb, "ask", "How long before an unacknowledged page escalates to the secondary?", "-c", "handbook", "--json"
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "answered" and "10 minutes" in out["answer"]
    assert out["citations"][0]["link"].endswith("on-call.md#paging-and-escalation")
    assert out["guard"]["grounding"]["verdict"] == "grounded"
    assert out["prompt_version"] == 1 and out["timings_ms"]["total"] > 0


def test_reingest_reports_unchanged(cli_kb):
    r = run(cli_kb, "kb", "ingest", str(SAMPLE_KB / "handbook"), "-c", "handbook", "--json")
    assert json.loads(r.stdout)["unchanged"] == 7


def test_batch_mode_one_line_per_question_and_errors_inline(cli_kb):
    lines = "\n".join(
        [
            json.dumps({"id": "a", "question": "What is the nightly hotel cap?", "collection": "handbook"}),
            "this is not json",
            json.dumps({"id": "b", "question": "", "collection": "handbook"}),
            json.dumps({"id": "c", "question": "How do MFA codes rotate?", "collection": "nope"}),
            json.dumps({"id": "d", "question": "What is the boiling point of tungsten?", "collection": "handbook"}),
        ]
    )
    r = run(cli_kb, "ask", "--batch", stdin=lines)
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "b", "c", "d"]
    assert out[0]["status"] in ("answered", "dont_know") and "error" not in out[0]
    assert "line 2" in out[1]["error"]["message"]
    assert "empty" in out[2]["error"]["message"]
    assert "Unknown collection" in out[3]["error"]["message"]
    assert out[4]["status"] == "dont_know"
    assert r.returncode == 1  # some lines failed, and the run still answered the others


def test_user_errors_are_messages_not_tracebacks(cli_kb, tmp_path):
    cases = [
        run(cli_kb, "ask", "x" * 40_000, "-c", "handbook"),
        run(cli_kb, "ask", "   ", "-c", "handbook"),
        run(cli_kb, "ask", "anything", "-c", "no-such-collection"),
        run(cli_kb, "kb", "ingest", str(tmp_path / "missing"), "-c", "x"),
        run(cli_kb, "ask"),
    ]
    for r in cases:
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr and "error:" in r.stderr and "→" in r.stderr
    assert "40,000" in cases[0].stderr


def test_dead_database_is_a_clear_error():
    r = run("postgresql://nobody@127.0.0.1:1/nothing", "ask", "hello")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "Postgres" in r.stderr


def test_kb_list_and_remove(cli_kb):
    r = run(cli_kb, "kb", "list")
    assert "handbook" in r.stdout and "7" in r.stdout
    r = run(cli_kb, "kb", "remove", "-c", "handbook", "on-call.md")
    assert r.returncode == 0 and "removed 1" in r.stdout
    r = run(cli_kb, "kb", "remove", "-c", "handbook")
    assert "removed 6" in r.stdout


def test_unknown_command_is_reported():
    r = subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", "frobnicate"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert r.returncode == 2 and "No such command" in r.stderr


def test_demo_runs_the_slack_round_trip_on_the_sample_kb(clean_db):
    """The main job: embedded Redis, stand-in Slack, a Celery worker and the Socket Mode bot, chatting as alice."""
    questions = "How long before an unacknowledged page escalates to the secondary?\nWhat is the capital of Peru?\n"
    r = run(clean_db, "demo", stdin=questions)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "ingesting the sample documents" in r.stderr
    assert "celery:" in r.stderr and "handbook:" in r.stderr
    assert "Slack stand-in http://127.0.0.1:" in r.stderr
    assert r.stdout.count("is looking into it") == 2  # each thread's status, before its answer streamed in
    assert "Searched " in r.stdout and "collection" in r.stdout  # the steps the stream showed
    answer = r.stdout[r.stdout.index("10 minutes") : r.stdout.index("capital of Peru")]
    assert "Sources" in answer and "on-call.md#" in answer
    assert "I don't know" in r.stdout
    assert "Traceback" not in r.stderr  # shutting down is quiet


def test_demo_direct_answers_in_process_without_reingesting(clean_db):
    first = run(clean_db, "demo", "--direct", "What is the nightly hotel cap?")
    assert first.returncode == 0, first.stderr
    assert "ingesting the sample documents" in first.stderr and "250" in first.stdout
    again = run(clean_db, "demo", "--direct", "What is the nightly hotel cap?")
    assert again.returncode == 0 and "ingesting" not in again.stderr


def test_channels_set_and_show_with_clear_errors(cli_kb):
    r = run(cli_kb, "channels", "show")
    assert r.returncode == 0 and "no channel is configured" in r.stdout
    r = run(cli_kb, "channels", "set", "C0456DEF", "-c", "handbook")
    assert r.returncode == 2 and "not TEAM/CHANNEL" in r.stderr and "T0123ABC/C0456DEF" in r.stderr
    r = run(cli_kb, "channels", "set", "T01/C02", "-c", "salaries")
    assert r.returncode == 2 and "salaries" in r.stderr
    r = run(cli_kb, "channels", "set", "T01/C02", "--mode", "loud")
    assert r.returncode == 2 and "in_channel or ephemeral" in r.stderr
    r = run(cli_kb, "channels", "set", "T01/C02", "-c", "handbook", "--expert", "<@U0BOB>", "--actor", "admin-ann")
    assert r.returncode == 0, r.stderr
    r = run(cli_kb, "channels", "set", "T01/C02", "--mode", "ephemeral")  # other fields keep their value
    shown = run(cli_kb, "channels", "show").stdout
    assert "T01/C02" in shown and "handbook" in shown and "<@U0BOB>" in shown and "ephemeral" in shown
