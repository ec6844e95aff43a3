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
    assert result.deleted == {"interactions": 3, "question_vectors": 3, "slack_requests": 3, "gaps_digests": 0}, (
        result.deleted
    )
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
    assert row["details"]["deleted"] == {
        "interactions": 3,
        "question_vectors": 3,
        "slack_requests": 3,
        "gaps_digests": 0,
    }
    assert row["details"]["older_than_days"] == 180 and row["details"]["kept"] == 5
    assert row["details"]["team"] is None


def test_purge_of_one_workspace_leaves_the_others(history):
    from workers.retention import purge

    url, ids = history
    result = purge(url, older_than=timedelta(days=180), actor="tester", team="T2")
    assert result.deleted == {"interactions": 1, "question_vectors": 1, "slack_requests": 1, "gaps_digests": 0}
    with db.connect(url) as conn:
        assert not _exists(conn, ids["old_t2"])
        assert _exists(conn, ids["old"]) and _exists(conn, ids["old_cli"])


def test_dry_run_counts_and_deletes_nothing(history):
    from workers.retention import purge

    url, _ = history
    with db.connect(url) as conn:
        before = _counts(conn)
    result = purge(url, older_than=timedelta(days=180), actor="tester", dry_run=True)
    assert result.deleted == {"interactions": 3, "question_vectors": 3, "slack_requests": 3, "gaps_digests": 0}
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


# ------------------------------------------------------------------ copies of questions outside `interactions`

OLD_Q = "Which floor keeps the Zanzibar expense archive?"
OLD_A = "The Zanzibar archive sits on floor nine, behind the plant."
NEW_Q = "Who signs off the Quillfeather travel budget?"


def _digest(conn, team: str, at: datetime, question: str, *, status: str = "posted") -> None:
    from feedback.gaps_digest import week_of

    gap = {"name": question, "count": 3, "dont_know": 2, "voted_down": 1, "askers": 2, "channels": ["C1"],
           "collections": ["docs"], "examples": [question, f"{question} (again)"], "closest_documents": ["Expenses"],
           "has_approved_correction": False, "last_asked": at.isoformat()}  # fmt: skip
    conn.execute(
        "INSERT INTO gaps_digests (team_id, week, channel_id, status, questions, gaps, message_ts, computed_at) "
        "VALUES (%s, %s, 'C0DIGEST1', %s, 3, %s, '1.1', %s)",
        (team, week_of(at), status, Jsonb([gap]), at),
    )


def _report(conn, team: str, at: datetime, kind: str, question: str, answer: str) -> int:
    """A stored retune or eval report quoting a question (and answers) as feedback/retune*.py write them."""
    if kind == "retune":
        report = {
            "team": team,
            "examples": {"train": 4, "heldout": 2, "heldout_by_expectation": {"answer": 2}},
            "demos": [{"question": question, "answer": answer, "source_interaction_id": None}],
            "baseline": {"n": 2, "score": 0.5},
            "candidates": [{"name": "demos", "params_changed": {}, "demos": 1, "instructions": None,
                            "metrics": {"n": 2, "score": 0.75}, "table": [], "judge": None, "promote": True,
                            "reasons": ["score +0.250"],
                            "changed_outcomes": [{"question": question, "expect": "answer",
                                                  "baseline": "dont_know", "candidate": "answered",
                                                  "credit": [0.0, 1.0], "reference": answer,
                                                  "baseline_answer": "", "candidate_answer": answer}]}],
        }  # fmt: skip
    else:
        report = {
            "team": team,
            "version": 1,
            "metrics": {"n": 1, "score": 1.0},
            "examples": {"heldout": 1, "by_expectation": {"answer": 1}},
            "outcomes": [{"question": question, "expect": "answer", "outcome": "answered"}],
        }
    row = conn.execute(
        "INSERT INTO eval_reports (kind, actor, baseline_version_id, decision, summary, report, team_id, created_at) "
        "VALUES (%s, 'tester', 1, 'promoted', 'v1 on 2 held-out examples: score 0.500', %s, %s, %s) RETURNING id",
        (kind, Jsonb(report), team, at),
    ).fetchone()
    return row["id"]


@pytest.fixture()
def copies(history):
    """Beside the history: an old question quoted by an old weekly digest and by old retune and eval reports of
    T1 (its interaction unlabelled, so nothing curated keeps it); a new digest and report quoting a new one; and
    T2's own old digest and report."""
    url, ids = history
    with db.connect(url) as conn:
        ids["zanzibar"] = _interaction(conn, "T1", OLD_Q, OLD, answer=OLD_A)
        _digest(conn, "T1", OLD, OLD_Q)
        retune = _report(conn, "T1", OLD, "retune", OLD_Q, OLD_A)
        _report(conn, "T1", OLD, "eval", OLD_Q, OLD_A)
        # an old report a prompt review still points at: the row must stay (foreign key), its text must not
        conn.execute("INSERT INTO prompt_reviews (version_id, status, report_id) VALUES (1, 'approved', %s)", (retune,))
        _interaction(conn, "T1", NEW_Q, NEW)
        _digest(conn, "T1", NEW, NEW_Q)
        _report(conn, "T1", NEW, "eval", NEW_Q, "an answer")
        _digest(conn, "T2", OLD, "old digest question of T2")
        _report(conn, "T2", OLD, "eval", "old report question of T2", "an answer")
        conn.commit()
    return url, ids


def test_no_copy_of_an_old_question_is_left_anywhere_in_the_database(copies):
    from tests.support.pii_scan import all_text
    from workers.retention import purge

    url, _ = copies
    before = all_text(url)
    assert OLD_Q in before and OLD_A in before and NEW_Q in before
    result = purge(url, older_than=timedelta(days=180), actor="tester")
    after = all_text(url)
    assert OLD_Q not in after and "Zanzibar" not in after, "an old question outlived the retention"
    assert OLD_A not in after
    assert "old digest question of T2" not in after and "old report question of T2" not in after
    assert NEW_Q in after  # the new digest and report are untouched (and the scan does see them)
    assert result.deleted["gaps_digests"] == 2 and result.stripped == {"gaps_digests": 0, "eval_reports": 3}
    with db.connect(url) as conn:
        # old reports stay, with their numbers: a review points at one; `retune list/show` still print them
        reports = conn.execute("SELECT kind, summary, report, created_at FROM eval_reports ORDER BY id").fetchall()
        assert len(reports) == 4
        old_retune = reports[0]["report"]
        assert old_retune["candidates"][0]["metrics"] == {"n": 2, "score": 0.75}
        assert old_retune["candidates"][0]["changed_outcomes"][0]["credit"] == [0.0, 1.0]
        assert len(old_retune["demos"]) == 1 and old_retune["examples"]["heldout"] == 2
        assert old_retune["text_removed"]["cut"] == result.cut.isoformat()
        assert reports[1]["report"]["metrics"] == {"n": 1, "score": 1.0}
        assert "text_removed" not in reports[2]["report"]  # the new one is left whole
        assert conn.execute("SELECT count(*) AS n FROM prompt_reviews").fetchone()["n"] == 1
        [audit] = conn.execute("SELECT details FROM admin_actions WHERE action = 'db.purge'").fetchall()
    assert audit["details"]["deleted"]["gaps_digests"] == 2
    assert audit["details"]["text_removed"] == {"gaps_digests": 0, "eval_reports": 3}
    # a second run finds nothing more to do
    again = purge(url, older_than=timedelta(days=180), actor="tester")
    assert again.deleted["gaps_digests"] == 0 and again.stripped == {"gaps_digests": 0, "eval_reports": 0}


def test_an_old_report_still_prints_once_its_text_is_removed(copies):
    from workers.retention import purge

    url, _ = copies
    purge(url, older_than=timedelta(days=180), actor="tester")
    with db.connect(url) as conn:  # T1 installed: its reports are its own scope's
        conn.execute(
            "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
            "VALUES ('T1', 'U0BOT', 'B0BOT', 'x')"
        )
        conn.commit()
    for report_id in ("1", "2"):
        shown = run_cli(url, "retune", "show", report_id, "--team", "T1")
        assert shown.returncode == 0, shown.stderr
        assert "Zanzibar" not in shown.stdout and "0.500" in shown.stdout


def test_dry_run_counts_the_digests_and_reports_and_changes_nothing(copies):
    from tests.support.pii_scan import all_text
    from workers.retention import purge

    url, _ = copies
    before = all_text(url)
    result = purge(url, older_than=timedelta(days=180), actor="tester", dry_run=True)
    assert result.deleted["gaps_digests"] == 2 and result.stripped == {"gaps_digests": 0, "eval_reports": 3}
    assert all_text(url) == before
    out = run_cli(url, "db", "purge", "--older-than", "180d", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "gaps_digests" in out.stdout and "eval_reports" in out.stdout


def test_purge_of_one_workspace_leaves_the_others_digests_and_reports(copies):
    from tests.support.pii_scan import all_text
    from workers.retention import purge

    url, _ = copies
    result = purge(url, older_than=timedelta(days=180), actor="tester", team="T2")
    assert result.deleted["gaps_digests"] == 1 and result.stripped == {"gaps_digests": 0, "eval_reports": 1}
    after = all_text(url)
    assert "old digest question of T2" not in after and "old report question of T2" not in after
    assert OLD_Q in after  # T1's digest and reports, like its interactions, are not this purge's


def test_this_weeks_digest_keeps_its_claim_and_numbers_but_not_its_questions(clean_db):
    """A retention shorter than the digest's window: this week's digest quotes questions older than the cut. Its
    row is the week's claim (deleted, the digest would be posted a second time), so only its text goes, and the
    App Home, which has no text to show from it, groups the last days live instead."""
    from feedback.gaps_digest import home_gaps
    from tests.support.pii_scan import all_text
    from workers.access import readable_by_all
    from workers.retention import purge

    now = datetime.now(UTC)
    with db.connect(clean_db) as conn:
        _interaction(conn, "T1", OLD_Q, now - timedelta(days=5))
        _digest(conn, "T1", now - timedelta(minutes=5), OLD_Q)
        conn.commit()
    result = purge(clean_db, older_than=timedelta(days=2), actor="tester", now=now)
    assert result.deleted["gaps_digests"] == 0 and result.stripped["gaps_digests"] == 1
    assert "Zanzibar" not in all_text(clean_db)
    with db.connect(clean_db) as conn:
        [row] = conn.execute("SELECT status, questions, message_ts, gaps FROM gaps_digests").fetchall()
        assert (row["status"], row["questions"], row["message_ts"]) == ("posted", 3, "1.1")
        assert row["gaps"][0]["count"] == 3 and "name" not in row["gaps"][0] and "examples" not in row["gaps"][0]
        source, _, _ = home_gaps(conn, "T1", now=now, readable_by=readable_by_all)
    assert source == "last 7 days"


def test_purge_of_a_bot_token_install_reaches_its_unnamed_digests_and_reports(clean_db):
    """A bot-token install records its interactions with their team id, but its digests and reports under ''
    (the database does not name its one workspace): --team with that id purges those too. Once workspaces are
    installed through OAuth, '' is not theirs and stays."""
    from tests.support.pii_scan import all_text
    from workers.retention import purge

    with db.connect(clean_db) as conn:
        _interaction(conn, "T1", "an old question of the one workspace", OLD)
        _digest(conn, "", OLD, OLD_Q)
        _report(conn, "", OLD, "eval", OLD_Q, OLD_A)
        conn.commit()
    result = purge(clean_db, older_than=timedelta(days=180), actor="tester", team="T1")
    assert result.deleted["gaps_digests"] == 1 and result.stripped["eval_reports"] == 1
    assert "Zanzibar" not in all_text(clean_db)
    with db.connect(clean_db) as conn:
        conn.execute(
            "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
            "VALUES ('T2', 'U0BOT', 'B0BOT', 'x')"
        )
        _digest(conn, "", OLD, OLD_Q)
        conn.commit()
    assert purge(clean_db, older_than=timedelta(days=180), actor="tester", team="T2").deleted["gaps_digests"] == 0
    assert "Zanzibar" in all_text(clean_db)


def test_old_reports_are_stripped_in_small_batches_until_none_is_left(clean_db, monkeypatch):
    """Reports are whole JSON documents: they are read a few at a time (REPORT_BATCH), and every one is reached."""
    from workers import retention

    monkeypatch.setattr(retention, "REPORT_BATCH", 2)
    with db.connect(clean_db) as conn:
        for i in range(5):
            _report(conn, "T1", OLD, "eval", f"old reported question {i}", "an answer")
        conn.commit()
    result = retention.purge(clean_db, older_than=timedelta(days=30), actor="tester")
    assert result.stripped["eval_reports"] == 5
    with db.connect(clean_db) as conn:
        kept = conn.execute("SELECT report::text AS r FROM eval_reports").fetchall()
    assert len(kept) == 5 and not any("old reported question" in row["r"] for row in kept)


def test_an_old_request_the_requeuer_gave_up_on_is_purged_with_its_interaction(clean_db):
    """An unfinished request older than the requeuer's max age ends `failed` (bot/intake.py Requeuer): retention
    then purges it and its interaction like any finished one, instead of keeping the question forever."""
    from bot.intake import Requeuer
    from workers.retention import purge

    with db.connect(clean_db) as conn:
        stuck = _interaction(conn, "T1", "old question nobody answered", OLD)
        _request(conn, "T1", "C1", "100.7", stuck, OLD, status="queued")
        conn.commit()
    Requeuer(Settings(database_url=clean_db), lambda key, priority: None, clean_db).run_once()
    with db.connect(clean_db) as conn:
        row = conn.execute("SELECT status, error FROM slack_requests WHERE message_ts = '100.7'").fetchone()
    assert row["status"] == "failed" and row["error"].startswith("expired:")

    result = purge(clean_db, older_than=timedelta(days=180), actor="tester")

    assert result.deleted["interactions"] == 1 and result.deleted["slack_requests"] == 1, result.deleted
    with db.connect(clean_db) as conn:
        assert not _exists(conn, stuck)
        assert conn.execute("SELECT 1 FROM slack_requests WHERE message_ts = '100.7'").fetchone() is None
