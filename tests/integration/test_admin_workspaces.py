"""Admin commands act within one workspace: with two installed, `--team` is required (every command that reads or
changes labels, prompt versions, retunes and reports) and one workspace's stats, labels and review sample never
show the other's (the CLI as a user runs it, real Postgres). Prompt versions and retunes per workspace:
tests/integration/test_prompt_versions_workspaces.py."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from core import db
from feedback import labels
from tests.support.cli_runner import run_cli
from tests.support.records import add_interaction

A, B = "T0AAAAAAA1", "T0BBBBBBB2"


def _interaction(conn, team: str, question: str) -> uuid.UUID:
    return add_interaction(conn, team, question)


@pytest.fixture()
def two_workspaces(clean_db):
    with db.connect(clean_db) as conn:
        conn.execute(
            "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
            "VALUES (%s, 'U1', 'B1', 'x'), (%s, 'U2', 'B2', 'y')",
            (A, B),
        )
        for team, question, n in ((A, "how do we deploy alpha", 3), (B, "what is bravo's vacation policy", 1)):
            for i in range(n):
                iid = _interaction(conn, team, f"{question} {i}")
                labels.record_vote(conn, iid, kind="up", reaction="+1", user_id=f"U{team}", team_id=team)
        conn.commit()
    return clean_db


EVERY_SCOPED_COMMAND = (
    ("stats",),
    ("labels", "list"),
    ("review", "sample"),
    ("labels", "export"),
    ("labels", "show", "1"),
    ("labels", "approve", "1"),
    ("labels", "reject", "1"),
    ("prompts", "list"),
    ("prompts", "show", "1"),
    ("prompts", "diff", "1", "1"),
    ("prompts", "export", "1"),
    ("prompts", "history"),
    ("prompts", "activate", "1"),
    ("prompts", "rollback"),
    ("prompts", "approve", "1"),
    ("prompts", "reject", "1"),
    ("retune",),
    ("retune", "--dry-run"),
    ("retune", "list"),
    ("retune", "show"),
    ("eval",),
    ("audit",),
)


def test_several_workspaces_installed_means_say_which(two_workspaces):
    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda args: run_cli(two_workspaces, *args), EVERY_SCOPED_COMMAND))
    for args, r in zip(EVERY_SCOPED_COMMAND, runs, strict=True):
        assert r.returncode == 2 and "2 workspaces are installed" in r.stderr and "--team" in r.stderr, (args, r)
    with db.connect(two_workspaces) as conn:
        assert conn.execute("SELECT status FROM labels WHERE id = 1").fetchone() == {"status": "pending"}
        assert conn.execute("SELECT count(*) AS n FROM prompt_pointer WHERE team_id <> ''").fetchone()["n"] == 0
    unknown = run_cli(two_workspaces, "stats", "--team", "T0NOTHERE1")
    assert unknown.returncode == 2 and "is not installed" in unknown.stderr
    unknown = run_cli(two_workspaces, "prompts", "activate", "1", "--team", "T0NOTHERE1")
    assert unknown.returncode == 2 and "is not installed" in unknown.stderr


def test_one_workspace_never_reads_the_others(two_workspaces):
    exported = run_cli(two_workspaces, "labels", "export", "--team", B)
    assert exported.returncode == 0, exported.stderr
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(rows) == 1 and "bravo" in json.dumps(rows) and "alpha" not in json.dumps(rows)
    sample = run_cli(two_workspaces, "review", "sample", "--team", A, "--n", "50")
    assert sample.returncode == 0 and sample.stdout.count("alpha") == 3 and "bravo" not in sample.stdout
    stats = run_cli(two_workspaces, "stats", "--team", B)
    assert stats.returncode == 0 and "1 (100%)" in stats.stdout and "3 (100%)" not in stats.stdout


def test_the_app_home_review_queue_shows_one_workspace(two_workspaces):
    from bot.app_home import APPROVE_LABEL, AppHome, admin_blocks
    from core.settings import Settings

    with db.connect(two_workspaces) as conn:
        for team, text in ((A, "alpha's corrected deploy steps"), (B, "bravo's corrected vacation rule")):
            iid = conn.execute("SELECT id FROM interactions WHERE team_id = %s LIMIT 1", (team,)).fetchone()["id"]
            conn.execute(
                "INSERT INTO labels (interaction_id, kind, source, team_id, user_id, correction, split) "
                "VALUES (%s, 'correction', 'modal', %s, 'U1', %s, 'train')",
                (iid, team, text),
            )
        conn.commit()
        shown_a = json.dumps(admin_blocks(conn, team=A))
        b_label = conn.execute("SELECT id FROM labels WHERE team_id = %s AND kind = 'correction'", (B,)).fetchone()
    assert "alpha's corrected" in shown_a and "bravo's corrected" not in shown_a
    home = AppHome(Settings(database_url=two_workspaces, admins=[f"{A}:UADMIN0001"]), two_workspaces)
    assert home.is_admin("UADMIN0001", A) and not home.is_admin("UADMIN0001", B)
    with db.connect(two_workspaces) as conn, pytest.raises(Exception, match="another workspace"):
        home._same_workspace(conn, APPROVE_LABEL, b_label["id"], A)


def test_a_team_typo_is_refused_without_any_install(clean_db):
    """A bot-token install keeps no installation row: `--team` must still name a workspace with questions here,
    not read an empty one because of a typo."""
    with db.connect(clean_db) as conn:
        iid = _interaction(conn, A, "how do we deploy alpha")
        labels.record_vote(conn, iid, kind="up", reaction="+1", user_id="U1", team_id=A)
        conn.commit()
    typo = run_cli(clean_db, "labels", "export", "--team", "T0AAAAAAA7")
    assert typo.returncode == 2 and "T0AAAAAAA7" in typo.stderr and A in typo.stderr, typo
    ok = run_cli(clean_db, "labels", "export", "--team", A)
    assert ok.returncode == 0 and "alpha" in ok.stdout, ok
    empty = run_cli(clean_db, "labels", "export", "--team", "")
    assert empty.returncode == 2 and "--team is empty" in empty.stderr and "Traceback" not in empty.stderr, empty


def test_an_uninstalled_workspace_keeps_its_knowledge_readable(two_workspaces):
    """Uninstalling keeps a workspace's knowledge (for a reinstall); its admins can still export or review it."""
    gone = "T0GONE0001"
    with db.connect(two_workspaces) as conn:
        iid = _interaction(conn, gone, "where is the gone handbook")
        labels.record_vote(conn, iid, kind="up", reaction="+1", user_id="U9", team_id=gone)
        conn.commit()
    exported = run_cli(two_workspaces, "labels", "export", "--team", gone)
    assert exported.returncode == 0 and "gone handbook" in exported.stdout, exported
    unknown = run_cli(two_workspaces, "labels", "export", "--team", "T0NOTHERE1")
    assert unknown.returncode == 2 and "T0NOTHERE1" in unknown.stderr and gone in unknown.stderr, unknown
