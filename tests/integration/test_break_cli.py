"""Trying to break the admin command line with bad input: every case must end in a clear error (what went
wrong, how to fix it), a non-zero exit code and no Python traceback. Each case here was a traceback once."""

from __future__ import annotations

import json
import socket

import pytest

from tests.conftest import SAMPLE_KB
from tests.support.cli_runner import run_cli


def _clear_error(r, *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    for needle in needles:
        assert needle in r.stderr, (needle, r.stderr[-2000:])


@pytest.mark.parametrize(
    "args",
    [
        ("labels", "list", "--since", "99999999999d"),  # timedelta overflow
        ("labels", "export", "--since", "9999999d"),  # a date before year 1
        ("prompts", "show", "1", "--since", "99999999999h"),
        ("gaps", "--since", "99999999w"),
    ],
)
def test_a_since_too_far_back_is_a_clear_error(clean_db, args):
    _clear_error(run_cli(clean_db, *args), "--since", "→")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("labels", "list", "--limit", "-1"), "--limit"),
        (("prompts", "history", "--limit", "-5"), "--limit"),
        (("retune", "list", "--limit", "-1"), "--limit"),
        (("audit", "--limit", "-1"), "--limit"),
        (("kb", "jobs", "--limit", "-1"), "--limit"),
        (("review", "sample", "--n", "-1"), "--n"),
        (("review", "sample", "--days", "99999999999"), "--days"),
        (("stats", "--weeks", "999999999"), "--weeks"),
        (("stats", "--weeks", "-1"), "--weeks"),
    ],
)
def test_out_of_range_numbers_are_refused_before_postgres_sees_them(clean_db, args, option):
    _clear_error(run_cli(clean_db, *args), option)


def test_values_too_large_for_their_column_are_refused(clean_db, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Deploys\nWe deploy on Tuesdays.\n")
    r = run_cli(clean_db, "kb", "ingest", str(docs), "-c", "handbook", "--inline")
    assert r.returncode == 0, r.stderr
    _clear_error(run_cli(clean_db, "collections", "set", "handbook", "--review-days", "99999999999"), "--review-days")
    _clear_error(
        run_cli(
            clean_db,
            "kb",
            "sources",
            "add",
            "s1",
            "-c",
            "other",
            "--path",
            str(docs),
            "--every",
            "99999999999d",
            "--no-sync",
        ),
        "--every",
    )
    _clear_error(
        run_cli(
            clean_db,
            "kb",
            "sources",
            "add",
            "s2",
            "-c",
            "web",
            "--crawl",
            "https://docs.example.com/",
            "--max-pages",
            "99999999999",
            "--no-sync",
        ),
        "--max-pages",
    )


@pytest.mark.parametrize("name", ["", "bad name!", "_leading_underscore", "x" * 80])
def test_a_collection_name_postgres_would_refuse_is_a_clear_error(clean_db, tmp_path, name):
    r = run_cli(clean_db, "kb", "ingest", str(SAMPLE_KB / "handbook" / "on-call.md"), "-c", name, "--inline")
    _clear_error(r, "collection name", "→")
    r = run_cli(clean_db, "kb", "sources", "add", "src", "-c", name, "--path", str(tmp_path), "--no-sync")
    _clear_error(r, "collection name")


def test_export_to_a_path_that_cannot_be_written_is_a_clear_error(clean_db, tmp_path):
    for args in (("labels", "export"), ("prompts", "export", "1")):
        _clear_error(run_cli(clean_db, *args, "-o", str(tmp_path / "missing" / "out.json")), "Cannot write", "→")
        _clear_error(run_cli(clean_db, *args, "-o", str(tmp_path)), "Cannot write")


def test_an_unknown_split_is_refused_like_an_unknown_kind(clean_db):
    _clear_error(run_cli(clean_db, "labels", "list", "--split", "bogus"), "Unknown split", "train")
    _clear_error(run_cli(clean_db, "labels", "export", "--split", "bogus"), "Unknown split")


def test_a_malformed_database_url_is_not_called_a_failed_migration():
    for args in (("db", "status"), ("labels", "list")):
        r = run_cli("not a url at all", *args)
        _clear_error(r, "DATABASE_URL")
        assert "migration failed" not in r.stderr.lower(), r.stderr


def test_batch_lines_of_the_wrong_shape_fail_alone_and_the_rest_are_answered(clean_db):
    lines = [
        '{"id": "a", "question": "What?", "collection": 5}',  # was a TypeError that ended the whole run
        '{"id": "b", "question": "What?", "collection": ["handbook", 3]}',
        '{"id": "c", "question": 42}',
        "[1, 2]",
        '{"id": "d", "question": "What is the hotel cap?", "collection": "nope"}',
    ]
    r = run_cli(clean_db, "ask", "--batch", stdin="\n".join(lines) + "\n")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", "b", "c", None, "d"]
    assert all("error" in o for o in out)
    assert "collection" in out[0]["error"]["message"] and "collection" in out[1]["error"]["message"]
    assert "question" in out[2]["error"]["message"] and "Unknown collection" in out[4]["error"]["message"]


@pytest.fixture()
def slack_env(clean_db):
    from slack_standin import SlackStandin

    with SlackStandin() as slack:
        yield slack, {"SLACK_BOT_TOKEN": slack.bot_token, "ANSWERLOOP_SLACK_API_URL": slack.web_api_url,
                      "SLACK_SIGNING_SECRET": "secret", "ANSWERLOOP_SLACK_MAX_RETRIES": "0"}  # fmt: skip


def test_the_bot_refusing_to_start_says_why(clean_db, slack_env):
    _, env = slack_env
    r = run_cli(clean_db, "bot", "--http", "--port", "0", env={**env, "SLACK_BOT_TOKEN": "xoxb-wrong"})
    _clear_error(r, "SLACK_BOT_TOKEN", "invalid_auth")
    r = run_cli(
        clean_db, "bot", "--http", "--port", "0", env={**env, "ANSWERLOOP_SLACK_API_URL": "http://127.0.0.1:1/api/"}
    )
    _clear_error(r, "Cannot reach Slack", "ANSWERLOOP_SLACK_API_URL")
    r = run_cli(clean_db, "bot", env={**env, "SLACK_APP_TOKEN": "xapp-wrong"})  # Socket Mode
    _clear_error(r, "SLACK_APP_TOKEN", "invalid_auth")
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        r = run_cli(clean_db, "bot", "--http", "--port", str(taken.getsockname()[1]), env=env)
    _clear_error(r, "Cannot listen", "--port")
    _clear_error(run_cli(clean_db, "bot", "--http", "--port", "99999", env=env), "--port")


def test_worker_options_celery_would_refuse_are_clear_errors(clean_db):
    _clear_error(run_cli(clean_db, "worker", "--pool", "bogus"), "--pool", "prefork")
    _clear_error(run_cli(clean_db, "worker", "--concurrency", "0"), "--concurrency")


def test_approving_into_a_mistyped_collection_is_refused_and_the_label_stays_pending(clean_db):
    import uuid

    from core import db
    from feedback import labels

    with db.connect(clean_db) as conn:
        iid = uuid.uuid4()
        conn.execute("INSERT INTO collections (name) VALUES ('handbook')")
        conn.execute(
            "INSERT INTO interactions (id, source, collections, question_redacted, answer, status, answerer, "
            "prompt_version_id) VALUES (%s, 'slack', '{handbook}', 'Wifi?', 'x', 'dont_know', 'extractive', 1)",
            (iid,),
        )
        label = labels.record_correction(conn, iid, correction="Ask IT for the guest network.", user_id="U3")
        conn.commit()
    # a typo used to create the collection 'handbok', holding only this answer and searched by no channel
    r = run_cli(clean_db, "labels", "approve", str(label), "--collection", "handbok")
    _clear_error(r, "handbok", "collections")
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT status FROM labels WHERE id = %s", (label,)).fetchone()["status"] == "pending"
        assert conn.execute("SELECT count(*) AS n FROM collections WHERE name = 'handbok'").fetchone()["n"] == 0
    r = run_cli(clean_db, "labels", "approve", str(label), "--collection", "handbook")
    assert r.returncode == 0 and "verified answer published" in r.stdout, r.stderr


@pytest.mark.parametrize("ref", ["T1/C1/X", "T01/#general", "t01/c02", "T01/general"])
def test_a_channel_reference_that_no_slack_channel_can_have_is_refused(clean_db, ref):
    # each of these used to be stored as a channel setting that no channel's id could ever match
    _clear_error(run_cli(clean_db, "channels", "set", ref, "--mode", "ephemeral"), "TEAM/CHANNEL", "T0123ABC/C0456DEF")
