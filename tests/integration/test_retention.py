"""Retention (`answerloop db purge`, ANSWERLOOP_RETENTION_DAYS and its daily beat task) on the real Postgres:
old interactions go with everything that exists only because of them (question vectors, Slack request rows);
new ones, and old ones a label, a few-shot demo, a live thread or an unfinished Slack request still needs, stay."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.types.json import Jsonb

from core import db
from core.settings import Settings
from tests.support.cli_runner import run_cli
from tests.support.records import add_interaction

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=400)
NEW = NOW - timedelta(days=3)


def _interaction(conn, team: str, question: str, at: datetime, **fields) -> uuid.UUID:
    iid = add_interaction(conn, team, question, **fields)
    conn.execute("UPDATE interactions SET created_at = %s WHERE id = %s", (at, iid))
    conn.execute(
        "INSERT INTO question_vectors (interaction_id, team_id, collection, embedding_model, embedding, created_at) "
        "VALUES (%s, %s, 'docs', 'test-model', '[1,0,0]', %s)",
        (iid, team, at),
    )
    return iid


def _request(conn, team: str, channel: str, ts: str, iid: uuid.UUID | None, at: datetime, *, thread_ts: str = "",
             status: str = "delivered") -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO slack_requests (team_id, channel_id, message_ts, thread_ts, user_id, kind, interaction_id, "
        "status, created_at, updated_at) VALUES (%s, %s, %s, %s, 'U1', 'mention', %s, %s, %s, %s)",
        (team, channel, ts, thread_ts or ts, iid or uuid.uuid4(), status, at, at),
    )


def _label(conn, iid: uuid.UUID, kind: str = "up") -> int:
    row = conn.execute(
        "INSERT INTO labels (interaction_id, kind, source, user_id, split, correction, status) "
        "VALUES (%s, %s, 'reaction', 'U9', 'train', %s, %s) RETURNING id",
        (iid, kind, "the fixed answer" if kind == "correction" else None,
         "approved" if kind == "correction" else "pending"),
    ).fetchone()  # fmt: skip
    return row["id"]


def _exists(conn, iid: uuid.UUID) -> bool:
    return conn.execute("SELECT 1 FROM interactions WHERE id = %s", (iid,)).fetchone() is not None


def _counts(conn) -> dict[str, int]:
    return {
        t: conn.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"]
        for t in (
            "interactions",
            "question_vectors",
            "slack_requests",
            "labels",
            "verified_answers",
            "admin_actions",
            "prompt_versions",
        )
    }


@pytest.fixture()
def history(clean_db):
    """Two workspaces' questions, old and new, each with its vector and (most) a Slack request row; old ones a
    vote, a verified correction, a few-shot demo, a live thread and an unfinished request still need."""
    ids: dict[str, uuid.UUID] = {}
    with db.connect(clean_db) as conn:
        ids["old"] = _interaction(conn, "T1", "old question", OLD)
        _request(conn, "T1", "C1", "100.1", ids["old"], OLD)
        ids["old_cli"] = _interaction(conn, "", "old cli question", OLD, source="cli")
        ids["old_t2"] = _interaction(conn, "T2", "old question of T2", OLD)
        _request(conn, "T2", "C2", "100.2", ids["old_t2"], OLD)
        ids["new"] = _interaction(conn, "T1", "new question", NEW)
        _request(conn, "T1", "C1", "900.1", ids["new"], NEW)
        ids["voted"] = _interaction(conn, "T1", "old voted question", OLD)
        _request(conn, "T1", "C1", "100.3", ids["voted"], OLD)
        _label(conn, ids["voted"], "down")
        ids["corrected"] = _interaction(conn, "T1", "old corrected question", OLD)
        label = _label(conn, ids["corrected"], "correction")
        conn.execute(
            "INSERT INTO verified_answers (label_id, collection, question, answer, verified_by, approved_by, owner, "
            "verified_at, review_after) VALUES (%s, 'docs', 'q', 'a', 'U9', 'admin', 'U9', now(), now())",
            (label,),
        )
        ids["demo"] = _interaction(conn, "T1", "old demo question", OLD)
        conn.execute(
            "INSERT INTO prompt_versions (instructions, few_shot, author, parent_id) VALUES ('x', %s, 'test', 1)",
            (Jsonb([{"question": "q", "answer": "a", "source_interaction_id": str(ids["demo"])}]),),
        )
        # A thread started long ago with a follow-up asked today: its earlier turns are the follow-up's context.
        ids["thread_root"] = _interaction(conn, "T1", "old thread question", OLD)
        _request(conn, "T1", "C1", "100.4", ids["thread_root"], OLD)
        _request(conn, "T1", "C1", "950.4", None, NEW, thread_ts="100.4", status="queued")
        # An old request still being answered (stuck, or redelivered): its interaction stays.
        ids["in_flight"] = _interaction(conn, "T1", "old question still answering", OLD)
        _request(conn, "T1", "C1", "100.5", ids["in_flight"], OLD, status="answering")
        # An old request that never got an interaction (it failed): nothing needs it.
        _request(conn, "T1", "C1", "100.6", None, OLD, status="failed")
        conn.commit()
    return clean_db, ids


KEPT = ("new", "voted", "corrected", "demo", "thread_root", "in_flight")
PURGED = ("old", "old_cli", "old_t2")


def test_purge_deletes_old_interactions_and_what_only_they_needed(history):
    from workers.retention import purge

    url, ids = history
    with db.connect(url) as conn:
        before = _counts(conn)
    result = purge(url, older_than=timedelta(days=180), actor="tester")
    assert result.deleted == {"interactions": 3, "question_vectors": 3, "slack_requests": 3}, result.deleted
    assert result.kept == 5  # old ones a label, a demo, a live thread or an unfinished request still needs
    with db.connect(url) as conn:
        after = _counts(conn)
        for name in PURGED:
            assert not _exists(conn, ids[name]), name
        for name in KEPT:
            assert _exists(conn, ids[name]), name
            assert conn.execute("SELECT 1 FROM question_vectors WHERE interaction_id = %s", (ids[name],)).fetchone()
        left = {r["message_ts"] for r in conn.execute("SELECT message_ts FROM slack_requests").fetchall()}
        assert left == {"900.1", "100.3", "100.4", "950.4", "100.5"}
    assert after["interactions"] == before["interactions"] - 3
    assert after["question_vectors"] == before["question_vectors"] - 3
    assert after["slack_requests"] == before["slack_requests"] - 3
    for curated in ("labels", "verified_answers", "prompt_versions"):
        assert after[curated] == before[curated], curated


def test_purge_writes_an_audit_row_with_the_counts(history):
    from workers.retention import purge

    url, _ = history
    purge(url, older_than=timedelta(days=180), actor="tester")
    with db.connect(url) as conn:
        [row] = conn.execute("SELECT actor, action, target, details FROM admin_actions").fetchall()
    assert row["actor"] == "tester" and row["action"] == "db.purge"
    assert row["details"]["deleted"] == {"interactions": 3, "question_vectors": 3, "slack_requests": 3}
    assert row["details"]["older_than_days"] == 180 and row["details"]["kept"] == 5
    assert row["details"]["team"] is None


def test_purge_of_one_workspace_leaves_the_others(history):
    from workers.retention import purge

    url, ids = history
    result = purge(url, older_than=timedelta(days=180), actor="tester", team="T2")
    assert result.deleted == {"interactions": 1, "question_vectors": 1, "slack_requests": 1}
    with db.connect(url) as conn:
        assert not _exists(conn, ids["old_t2"])
        assert _exists(conn, ids["old"]) and _exists(conn, ids["old_cli"])


def test_dry_run_counts_and_deletes_nothing(history):
    from workers.retention import purge

    url, _ = history
    with db.connect(url) as conn:
        before = _counts(conn)
    result = purge(url, older_than=timedelta(days=180), actor="tester", dry_run=True)
    assert result.deleted == {"interactions": 3, "question_vectors": 3, "slack_requests": 3}
    assert result.kept == 5 and result.dry_run
    with db.connect(url) as conn:
        assert _counts(conn) == before  # not even an audit row: nothing changed


def test_purge_deletes_in_bounded_batches(clean_db):
    from workers.retention import purge

    with db.connect(clean_db) as conn:
        for i in range(7):
            iid = _interaction(conn, "T1", f"old question {i}", OLD - timedelta(minutes=i))
            _request(conn, "T1", "C1", f"1.{i}", iid, OLD)
        conn.commit()
    result = purge(clean_db, older_than=timedelta(days=30), actor="tester", batch_size=3)
    assert result.deleted["interactions"] == 7 and result.batches == 3
    with db.connect(clean_db) as conn:
        assert _counts(conn)["interactions"] == 0 and _counts(conn)["slack_requests"] == 0


def test_purge_skips_rows_another_transaction_holds_and_never_waits_for_it(history):
    """A worker holding an old interaction (a follow-up being recorded against it takes a key lock on it) is not
    blocked or failed by the purge: that row is left for the next run, the rest go."""
    from workers.retention import purge

    url, ids = history
    with psycopg.connect(url) as holder:
        holder.execute("SELECT 1 FROM interactions WHERE id = %s FOR KEY SHARE", (ids["old"],))
        done: dict = {}
        t = threading.Thread(target=lambda: done.update(r=purge(url, older_than=timedelta(days=180), actor="t")))
        t.start()
        t.join(timeout=30)
        assert not t.is_alive(), "the purge waited for a row another transaction holds"
        # the holder can still record a follow-up of it: its FK check finds the parent
        add_interaction(holder, "T1", "a follow-up", parent_interaction_id=ids["old"], thread_ts="100.1")
        holder.commit()
    assert done["r"].deleted["interactions"] == 2
    with db.connect(url) as conn:
        assert _exists(conn, ids["old"])


def test_a_follow_up_in_an_old_thread_still_finds_its_earlier_turns(history):
    """The thread's follow-up, received today, is answered after the purge: its context is still there."""
    from workers.retention import purge
    from workers.slack.store import RequestKey, thread_context

    url, ids = history
    purge(url, older_than=timedelta(days=180), actor="tester")
    with db.connect(url) as conn:
        ctx = thread_context(conn, RequestKey("T1", "C1", "950.4"), "100.4")
        assert ctx is not None and ctx.parent_interaction_id == ids["thread_root"]
        add_interaction(conn, "T1", "the follow-up", parent_interaction_id=ctx.parent_interaction_id,
                        thread_ts="100.4")  # fmt: skip
        conn.commit()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0d", "at least 1 day"),
        ("-5d", "is not a duration"),
        ("abc", "is not a duration"),
        ("12h", "at least 1 day"),
        ("180", "is not a duration"),
        ("99999999999d", "too far back"),
    ],
)
def test_nonsense_durations_are_refused(value, message):
    from core.errors import AnswerloopError
    from workers.retention import parse_older_than

    with pytest.raises(AnswerloopError, match=message):
        parse_older_than(value)


def test_durations_in_days_and_weeks():
    from workers.retention import parse_older_than

    assert parse_older_than("180d") == timedelta(days=180)
    assert parse_older_than(" 2w ") == timedelta(weeks=2)
    assert parse_older_than("48h") == timedelta(days=2)


def test_the_command_purges_dry_runs_and_refuses_nonsense(history):
    url, ids = history
    dry = run_cli(url, "db", "purge", "--older-than", "180d", "--dry-run", "--actor", "ops")
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stdout.lower() and "interactions" in dry.stdout and "question_vectors" in dry.stdout
    with db.connect(url) as conn:
        assert _exists(conn, ids["old"])
    for bad, message in (("0d", "at least 1 day"), ("-5d", "is not a duration"), ("abc", "is not a duration")):
        r = run_cli(url, "db", "purge", "--older-than", bad)
        assert r.returncode == 2 and message in r.stderr, (bad, r.stdout, r.stderr)
    r = run_cli(url, "db", "purge", "--older-than", "180d", "--actor", "ops")
    assert r.returncode == 0, r.stderr
    assert "interactions" in r.stdout and "3" in r.stdout
    with db.connect(url) as conn:
        assert not _exists(conn, ids["old"]) and _exists(conn, ids["voted"])
        [audit] = conn.execute("SELECT actor, details FROM admin_actions WHERE action = 'db.purge'").fetchall()
    assert audit["actor"] == "ops" and audit["details"]["deleted"]["interactions"] == 3
    help_text = run_cli(url, "db", "purge", "--help").stdout.lower()
    assert "kept however old: an interaction a label refers to" in " ".join(help_text.split())


def test_the_beat_schedule_has_the_purge_only_when_retention_is_set():
    from workers.celery_app import INGEST_QUEUE, beat_schedule, celery_app

    assert "retention" not in beat_schedule(Settings())
    assert "retention" not in beat_schedule(Settings(retention_days=None, retune_enabled=False))
    for retune in (True, False):
        entry = beat_schedule(Settings(retention_days=90, retune_enabled=retune))["retention"]
        assert entry["task"] == "workers.retention_tasks.purge_old_interactions"
        assert entry["options"]["queue"] == INGEST_QUEUE
        assert entry["schedule"].hour == {4}  # daily, off-peak
    assert celery_app.conf.task_routes["workers.retention_tasks.purge_old_interactions"] == {"queue": INGEST_QUEUE}


def test_a_retention_below_one_day_is_refused():
    with pytest.raises(ValueError, match="retention_days"):
        Settings(retention_days=0)


def test_the_celery_task_runs_the_purge_against_the_database(history, monkeypatch):
    from core.settings import reset_settings_cache
    from workers.retention_tasks import purge_old_interactions

    url, ids = history
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("ANSWERLOOP_RETENTION_DAYS", raising=False)
    reset_settings_cache()
    try:
        assert "off" in purge_old_interactions.run()  # unset: keep forever
        with db.connect(url) as conn:
            assert _exists(conn, ids["old"])
        monkeypatch.setenv("ANSWERLOOP_RETENTION_DAYS", "180")
        reset_settings_cache()
        summary = purge_old_interactions.run()
    finally:
        reset_settings_cache()
    assert "3 interaction" in summary
    with db.connect(url) as conn:
        assert not _exists(conn, ids["old"]) and _exists(conn, ids["new"]) and _exists(conn, ids["voted"])
        [audit] = conn.execute("SELECT actor, details FROM admin_actions WHERE action = 'db.purge'").fetchall()
    assert audit["actor"] == "beat" and audit["details"]["older_than_days"] == 180


def test_a_follow_up_recorded_while_its_parent_is_purged_is_kept_without_the_link(clean_db):
    """The purge locks an old interaction and deletes it; a follow-up in its thread recorded at that moment must
    not fail on the foreign key to it: it waits for the purge's transaction and is stored with no parent."""
    with db.connect(clean_db) as conn:
        parent = _interaction(conn, "T1", "old question", OLD)
        conn.commit()
    purge = psycopg.connect(clean_db)
    purge.execute("SELECT id FROM interactions WHERE id = %s FOR UPDATE", (parent,))  # as a purge batch locks it
    outcome: dict = {}

    def follow_up() -> None:
        try:
            with db.connect(clean_db) as conn:
                outcome["id"] = add_interaction(
                    conn, "T1", "and on weekends?", thread_ts="1700000000.000100", parent_interaction_id=parent
                )
                conn.commit()
        except Exception as exc:  # the test looks at it below
            outcome["error"] = exc

    worker = threading.Thread(target=follow_up)
    worker.start()
    worker.join(1.0)
    assert worker.is_alive(), "the follow-up waits for the purge's lock on its parent"
    purge.execute("DELETE FROM question_vectors WHERE interaction_id = %s", (parent,))
    purge.execute("DELETE FROM interactions WHERE id = %s", (parent,))
    purge.commit()
    purge.close()
    worker.join(10)
    assert "error" not in outcome, outcome.get("error")
    with db.connect(clean_db) as conn:
        row = conn.execute("SELECT parent_interaction_id FROM interactions WHERE id = %s", (outcome["id"],)).fetchone()
    assert row == {"parent_interaction_id": None}


def test_a_workspace_with_nothing_here_is_refused_not_purged_silently(history):
    """A typo in --team used to purge nothing and say "Deleted 0": a workspace that is neither installed nor has
    any interaction here is refused, saying which workspaces there are. An uninstalled one with data is fine."""
    from core.errors import AnswerloopError
    from workers.retention import purge

    url, _ = history
    with pytest.raises(AnswerloopError) as refused:
        purge(url, older_than=timedelta(days=180), actor="tester", team="T0TYPO001")
    assert "T0TYPO001" in str(refused.value) and "T1" in (refused.value.hint or "")
    r = run_cli(url, "db", "purge", "--older-than", "180d", "--team", "T0TYPO001", "--dry-run")
    assert r.returncode == 2 and "T0TYPO001" in r.stderr, (r.stdout, r.stderr)
    assert purge(url, older_than=timedelta(days=180), actor="tester", team="T2").deleted["interactions"] == 1
