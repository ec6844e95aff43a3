"""Attacks on two lifecycles (real Postgres, the CLI in its own processes, the App Home's button handler):
a rejected prompt version must answer no one by any path, even when an admin acts on it at the same moment as the
rejection; and retention must leave no copy of an old question, even one a weekly digest is writing while the
purge runs."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from core import db
from feedback import canary
from feedback import prompt_versions as pv
from tests.integration.test_break_admin_cli import _at_once
from tests.integration.test_rejected_versions import _candidate, cli
from tests.support.records import add_interaction

# ------------------------------------------------------------------------------------- rejected versions


def _serving_rejected(url: str) -> list[str]:
    """Every way a rejected version of the default scope would still answer someone."""
    with db.connect(url) as conn:
        active = pv.active_version_id(conn)
        test = canary.running(conn, "")
        found = []
        if pv.rejection(conn, active) is not None:
            found.append(f"v{active} is active")
        if test is not None and pv.rejection(conn, test.version_id) is not None:
            found.append(f"v{test.version_id} is in a canary")
    return found


@pytest.mark.parametrize("move", ["canary", "activate", "promote"])
def test_a_rejection_at_the_same_moment_as_a_move_never_leaves_the_rejected_version_serving(clean_db, move):
    """Two admins at once: one rejects the candidate, the other starts its canary, activates it or promotes its
    running canary. Whichever gets the scope's lock first, the other sees its decision: no rejected version is
    left answering, and whatever moved is undone or refused, never silently kept."""
    url = clean_db
    v = _candidate(url)
    if move == "promote":
        assert cli(url, "prompts", "canary", str(v), "--percent", "10").returncode == 0
    args = {"canary": ("canary", str(v), "--percent", "10"), "activate": ("activate", str(v))}.get(
        move, ("promote", str(v))
    )
    moved, rejected = _at_once(url, ("prompts", *args), ("prompts", "reject", str(v), "--note", "wrong runbook"))
    assert _serving_rejected(url) == [], (moved.stdout + moved.stderr, rejected.stdout + rejected.stderr)
    assert sorted((moved.returncode, rejected.returncode)) in ([0, 0], [0, 2]), (moved.stderr, rejected.stderr)
    if rejected.returncode == 0 and moved.returncode == 2:  # the rejection came first: the refusal says whose
        assert f"v{v} was rejected by admin1" in moved.stderr and "wrong runbook" in moved.stderr, moved.stderr
    if rejected.returncode == 2:  # the move came first and made it active: the rejection is refused, not lost
        assert "is the active version" in rejected.stderr, rejected.stderr


def test_promoting_a_canary_its_rejection_ended_says_it_was_rejected_not_how_to_start_one(clean_db):
    """The canary was running when a colleague rejected its version: the admin who then promotes it is told who
    rejected it and how to override, not to start a canary or activate it (both refused without --force)."""
    url = clean_db
    v = _candidate(url)
    assert cli(url, "prompts", "canary", str(v), "--percent", "10").returncode == 0
    assert cli(url, "prompts", "reject", str(v), "--actor", "bob", "--note", "[red]stale[/] runbook").returncode == 0
    refused = cli(url, "prompts", "promote", str(v))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert f"v{v} was rejected by bob" in refused.stderr and "[red]stale[/] runbook" in refused.stderr
    assert f"prompts approve {v} --force" in refused.stderr and "--percent" not in refused.stderr, refused.stderr
    with db.connect(url) as conn:
        assert pv.active_version_id(conn) == 1 and canary.running(conn, "") is None


def test_show_says_who_rejected_a_version_when_and_why(clean_db):
    """`prompts list` marks a version rejected; `prompts show V` is where an admin reads who decided it, when and
    why, before forcing anything (the refusal is not the only place that says it)."""
    import json

    url = clean_db
    v = _candidate(url)
    assert cli(url, "prompts", "reject", str(v), "--actor", "bob", "--note", "cites the wrong runbook").returncode == 0
    shown = cli(url, "prompts", "show", str(v))
    assert shown.returncode == 0, shown.stderr
    review = json.loads(shown.stdout)["review"]
    assert review["status"] == "rejected" and review["by"] == "bob" and review["note"] == "cites the wrong runbook"
    assert review["at"].startswith(str(datetime.now(UTC).year))
    assert json.loads(cli(url, "prompts", "show", "1").stdout)["review"] is None  # the seed was never reviewed


def test_the_app_home_approve_button_never_overturns_a_rejection(clean_db):
    """A stale Home tab still shows the version as pending: its Approve button is refused (the App Home never
    forces), says who rejected it, and changes nothing."""
    from bot.app_home import APPROVE_PROMPT, AppHome
    from core.errors import AnswerloopError
    from core.settings import Settings

    url = clean_db
    v = _candidate(url)
    assert cli(url, "prompts", "reject", str(v), "--actor", "bob", "--note", "[bold]no[/]").returncode == 0
    home = AppHome(Settings(database_url=url, admins=["UADMIN0001"]), url)
    with db.connect(url) as conn:
        with pytest.raises(AnswerloopError, match="rejected by bob") as refused:
            home._apply(conn, APPROVE_PROMPT, v, "slack:UADMIN0001", "T0REJECT01")
        assert "[bold]no[/]" in str(refused.value)
        conn.rollback()
        assert pv.review_status(conn, v) == "rejected" and pv.active_version_id(conn) == 1
        assert (
            conn.execute("SELECT count(*) AS n FROM admin_actions WHERE action = 'prompts.approve'").fetchone()["n"]
            == 0
        )


# ------------------------------------------------------------------------------------------- retention

ZANZIBAR = [
    "Which floor keeps the Zanzibar expense archive?",
    "Where is the Zanzibar expense archive kept?",
    "Which floor has the Zanzibar expense archive?",
]


def _waiting_on_a_lock(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as watch:
        row = watch.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return row[0] if row else 0


def test_a_digest_being_posted_while_the_purge_runs_keeps_no_question_older_than_the_cut(clean_db):
    """This week's digest loads its questions, then the purge deletes them (older than a two-day cut), then the
    digest writes them into its row: the purge must see that row's text, not a claim it found empty."""
    from feedback.gaps_digest import DigestTarget, post_weekly_digest
    from tests.support.pii_scan import all_text
    from workers.access import readable_by_all
    from workers.retention import purge

    now = datetime.now(UTC)
    with db.connect(clean_db) as conn:
        for q in ZANZIBAR:
            iid = add_interaction(conn, "", q, status="dont_know", answer="")
            conn.execute("UPDATE interactions SET created_at = %s WHERE id = %s", (now - timedelta(days=4), iid))
        conn.commit()
    purged: list = []

    def post(channel: str, text: str, blocks: list[dict]) -> str:
        """The digest has its questions: a purge starts now, and the post goes on once it is done or waits."""
        assert "Zanzibar" in text + str(blocks)
        run = threading.Thread(target=lambda: purged.append(purge(clean_db, older_than=timedelta(days=2), actor="t")))
        run.start()
        deadline = time.monotonic() + 60
        while run.is_alive() and _waiting_on_a_lock(clean_db) == 0:
            assert time.monotonic() < deadline, "the purge neither finished nor waited"
            time.sleep(0.05)
        return "1.1"

    with db.connect(clean_db) as conn:
        outcome = post_weekly_digest(
            conn, DigestTarget("", "C0DIGEST1"), post, now=now, embed=lambda: None,
            readable_by=readable_by_all, is_public=lambda channel: True,
        )  # fmt: skip
    assert outcome.status == "posted"
    deadline = time.monotonic() + 60
    while not purged:
        assert time.monotonic() < deadline, "the purge never finished"
        time.sleep(0.05)
    [result] = purged
    assert result.deleted["interactions"] == 3 and not result.stopped, result.summary()
    assert "Zanzibar" not in all_text(clean_db), "the digest wrote questions the purge had just deleted"
    with db.connect(clean_db) as conn:
        row = conn.execute("SELECT status, questions, message_ts FROM gaps_digests").fetchone()
    assert row == {"status": "posted", "questions": 3, "message_ts": "1.1"}  # the week's claim and numbers stay


def test_purging_one_workspace_leaves_the_unnamed_digests_and_reports_when_they_may_be_another_workspaces(clean_db):
    """No workspace is installed through OAuth, and two have questions here: T1, the bot-token install whose
    digests and reports the database records under '', and T2, an uninstalled workspace whose data was kept. The ''
    rows can't be told to be T2's, so purging T2 leaves them (a purge without --team reaches them); T2's own go."""
    from tests.integration.test_retention import OLD, OLD_A, OLD_Q, _digest, _interaction, _report
    from tests.support.pii_scan import all_text
    from workers.retention import purge

    with db.connect(clean_db) as conn:
        _interaction(conn, "T1", "a question of the bot-token workspace", datetime.now(UTC))
        _interaction(conn, "T2", "an old question of the uninstalled workspace", OLD)
        _digest(conn, "", OLD, OLD_Q)
        _report(conn, "", OLD, "retune", OLD_Q, OLD_A)
        _digest(conn, "T2", OLD, "old digest question of T2")
        conn.commit()
    for dry_run in (True, False):
        result = purge(clean_db, older_than=timedelta(days=180), actor="tester", team="T2", dry_run=dry_run)
        assert result.deleted["gaps_digests"] == 1 and result.stripped["eval_reports"] == 0, result.summary()
    after = all_text(clean_db)
    assert OLD_Q in after and OLD_A in after, "purging T2 removed the bot-token workspace's digest and report"
    assert "old digest question of T2" not in after
    # T2's questions are gone: T1 is the one workspace with questions here, so its purge reaches the '' rows
    one = purge(clean_db, older_than=timedelta(days=180), actor="tester", team="T1")
    assert one.deleted["gaps_digests"] == 1 and one.stripped["eval_reports"] == 1, one.summary()
    assert "Zanzibar" not in all_text(clean_db)


def test_a_retune_over_a_rejected_active_version_says_so(clean_db):
    """A rollback (the emergency path, never refused) landed on a rejected version; the nightly retune then finds
    nothing better. Its summary must not read as a plain "stays active": the version still answering everyone was
    rejected, and the admin reading the retune is told by whom and how to move off it."""
    from feedback.retune import RetuneOptions, retune
    from tests.integration.test_rejected_versions import _cautious, _rejected, _thumbs_up_to_dont_know

    url = clean_db
    _thumbs_up_to_dont_know(url)
    v = _rejected(url)
    for args in (("activate", str(v), "--force"), ("activate", "1"), ("rollback",)):
        assert cli(url, "prompts", *args).returncode == 0
    options = RetuneOptions(min_heldout=3, grid={}, refit_answerability=False)
    result = retune(_cautious, database_url=url, options=options, actor="retune")
    assert result.decision == "not_promoted", result.summary
    assert f"v{v} was rejected by bob" in result.summary and "prompts activate" in result.summary, result.summary
    assert result.report["baseline_rejected"]["rejected_by"] == "bob"
    with db.connect(url) as conn:
        stored = conn.execute("SELECT summary FROM eval_reports WHERE id = %s", (result.report_id,)).fetchone()
    assert stored["summary"] == result.summary
