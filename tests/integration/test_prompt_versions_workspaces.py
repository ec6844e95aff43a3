"""Prompt versions and retunes per workspace (issue J): each workspace has its own active pointer, history,
reviews, reports and retunes, over a shared seed. A retune of workspace A learns from A's labels only, creates
a version A owns and moves only A's pointer; B can't see, activate or approve it (real Postgres; the retune with
a scripted answerer, so that what it was asked shows which labels it read)."""

from __future__ import annotations

import json
import re
import uuid

import psycopg
import pytest

from core import db
from feedback import labels
from feedback import prompt_versions as pv
from feedback.retune import RetuneOptions, retune
from feedback.scoring import Outcome
from tests.support.cli_runner import run_cli
from tests.support.records import add_interaction

A, B = "T0AAAAAAA1", "T0BBBBBBB2"
BRAVO_ANSWER = "Bravo staff take twenty vacation days a year, booked in the HR portal."


def _interaction(conn, team: str, question: str, status: str, answer: str) -> uuid.UUID:
    return add_interaction(conn, team, question, status=status, answer=answer)


def _install(conn, *teams: str) -> None:
    for i, team in enumerate(teams):
        conn.execute(
            "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
            "VALUES (%s, %s, %s, 'x')",
            (team, f"U{i}", f"B{i}"),
        )


@pytest.fixture()
def two_teams(clean_db):
    """Two installed workspaces whose teams say opposite things:

    * alpha's people thumb up "I don't know" to 30 questions (the bot should say it doesn't know);
    * bravo's people thumb up 30 answers (the bot should answer, and did) and approve them.

    A version that answers less is better for alpha and worse for bravo: a retune that mixed the two would not
    find what each one finds alone."""
    with db.connect(clean_db) as conn:
        _install(conn, A, B)
        for i in range(30):
            iid = _interaction(conn, A, f"alpha question number {i} about the deploy train", "dont_know", "")
            labels.record_vote(conn, iid, kind="up", reaction="+1", user_id="UALPHA0001", team_id=A)
            iid = _interaction(conn, B, f"bravo question number {i} about vacation", "answered", BRAVO_ANSWER)
            vote = labels.record_vote(conn, iid, kind="up", reaction="+1", user_id="UBRAVO0001", team_id=B)
            labels.review(conn, vote.label_id, "approved", "bravo-admin")
        conn.commit()
    return clean_db


class Scripted:
    """Answers like a version whose answerability threshold is at least 0.6 says "I don't know" and one below
    answers (bravo's answer); remembers every question it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, question, collections, version, exclude) -> Outcome:
        self.asked.append(question)
        if version.params.answerability_threshold >= 0.6:
            return Outcome(status="dont_know", answer="", reason="below_gate")
        return Outcome(status="answered", answer=BRAVO_ANSWER, grounding="grounded")


def _retune(url: str, scope: str, **options) -> tuple:
    answer = Scripted()
    grid = {"answerability_threshold": [0.3, 0.4, 0.5, 0.6, 0.7]}
    opts = RetuneOptions(min_heldout=3, grid=grid, search_radius=2, **options)
    return retune(answer, database_url=url, options=opts, actor="test", scope=scope), answer


def cli(url: str, *args: str):
    return run_cli(url, *args)


def test_a_workspace_without_its_own_pointer_answers_with_the_shared_seed(two_teams):
    with db.connect(two_teams) as conn:
        assert (pv.scope_of(conn, A), pv.scope_of(conn, B), pv.scope_of(conn, "")) == (A, B, "")
        assert pv.active_version_for(conn, A).id == pv.active_version_for(conn, B).id == pv.SEED_VERSION_ID
        v1 = pv.get_version(conn, 1)
        mine = pv.create_version(
            conn, instructions=v1.instructions, few_shot=[], params=v1.params, parent_id=1, author="ann", scope=A
        )
        pv.activate(conn, mine, "ann", scope=A)
        conn.commit()
        assert pv.active_version_for(conn, A).id == mine
        assert pv.active_version_for(conn, B).id == 1, "A's activation is not B's"
        assert pv.active_version(conn).id == 1, "nor the default scope's"
        assert [v.id for v in pv.list_versions(conn, B)] == [1]
        assert pv.activations(conn, scope=B) == [] and pv.history_stack(conn, B) == [1]
    # the pipeline answers each workspace's question with that workspace's version
    from tests.conftest import make_settings
    from workers.pipeline import Pipeline

    pipeline = Pipeline(make_settings(two_teams, embeddings="none"), database_url=two_teams)
    for team, expected in ((A, mine), (B, 1), ("", 1)):
        result = pipeline.ask("how do we deploy?", [], source="slack", team_id=team)
        assert result.prompt_version == expected, team


def test_a_retune_learns_from_its_own_workspaces_labels_and_moves_only_its_pointer(two_teams):
    result, answer = _retune(two_teams, A)
    assert result.decision == "promoted", result.summary
    assert answer.asked and all(q.startswith("alpha") for q in answer.asked), "only A's labels are read"
    with db.connect(two_teams) as conn:
        new = pv.get_version(conn, result.candidate_version_id)
        assert new.team_id == A and new.params.answerability_threshold >= 0.6
        assert pv.active_version_for(conn, A).id == new.id
        assert pv.active_version_for(conn, B).id == 1 and pv.activations(conn, scope=B) == []
        [move] = pv.activations(conn, 1, scope=A)
        assert (move["kind"], move["version_id"], move["previous_version_id"]) == ("promote", new.id, 1)
        report = conn.execute("SELECT team_id FROM eval_reports WHERE id = %s", (result.report_id,)).fetchone()
        assert report == {"team_id": A}
        # the data layer refuses B's pointer at A's version, whoever asks
        with pytest.raises(psycopg.errors.RaiseException, match="another workspace"):
            conn.execute(
                "INSERT INTO prompt_pointer (team_id, version_id, updated_by) VALUES (%s, %s, 'sql')", (B, new.id)
            )

    # B's retune reads B's labels only: for bravo the seed already answers right, nothing better is found
    b_result, b_answer = _retune(two_teams, B)
    assert b_answer.asked and all(q.startswith("bravo") for q in b_answer.asked)
    assert b_result.decision == "not_promoted", b_result.summary
    with db.connect(two_teams) as conn:
        assert pv.active_version_for(conn, B).id == 1 and pv.active_version_for(conn, A).id == new.id
        assert not any("bravo" in s.question or "bravo" in s.answer.lower() for s in new.few_shot)

    # B's admin can't see, show, diff, export, activate, approve or evaluate A's version, nor read A's report
    for args in (
        ("prompts", "show", str(new.id)),
        ("prompts", "export", str(new.id)),
        ("prompts", "diff", "1", str(new.id)),
        ("prompts", "activate", str(new.id)),
        ("prompts", "approve", str(new.id)),
        ("prompts", "reject", str(new.id)),
        ("eval", "--version", str(new.id)),
        ("retune", "--candidate", str(new.id)),
    ):
        r = cli(two_teams, *args, "--team", B)
        assert r.returncode == 2 and f"Prompt version {new.id} does not exist" in r.stderr, (args, r.stderr)
    r = cli(two_teams, "retune", "show", str(result.report_id), "--team", B)
    assert r.returncode == 2 and f"Report {result.report_id} does not exist" in r.stderr
    listed_b = cli(two_teams, "prompts", "list", "--team", B)
    assert listed_b.returncode == 0 and f"v{new.id}" not in listed_b.stdout and "v1" in listed_b.stdout
    reports_b = cli(two_teams, "retune", "list", "--team", B)
    assert f"v{new.id}" not in reports_b.stdout and "not_promoted" in reports_b.stdout
    history_b = cli(two_teams, "prompts", "history", "--team", B)
    assert f"v{new.id}" not in history_b.stdout
    rollback_b = cli(two_teams, "prompts", "rollback", "--team", B)
    assert rollback_b.returncode == 2 and "Nothing to roll back to" in rollback_b.stderr
    # …and A's admin can: list, history, roll back to the seed (A's pointer only)
    listed_a = cli(two_teams, "prompts", "list", "--team", A)
    assert f"v{new.id}" in listed_a.stdout and "(shared)" in listed_a.stdout
    back = cli(two_teams, "prompts", "rollback", "--team", A, "--actor", "ann")
    assert back.returncode == 0 and "v1 is active again" in back.stdout, back.stderr
    with db.connect(two_teams) as conn:
        assert pv.active_version_for(conn, A).id == 1 and pv.activations(conn, scope=B) == []


def test_a_candidate_waiting_for_approval_is_its_workspaces_to_review(two_teams):
    from bot.app_home import APPROVE_PROMPT, AppHome, admin_blocks
    from core.errors import NotFound
    from core.settings import Settings

    result, _ = _retune(two_teams, A, auto_promote=False)
    assert result.decision == "pending_approval", result.summary
    pending = result.candidate_version_id
    with db.connect(two_teams) as conn:
        assert f"*v{pending}* waits for approval" in json.dumps(admin_blocks(conn, team=A))
        assert f"v{pending}" not in json.dumps(admin_blocks(conn, team=B))
        home = AppHome(Settings(database_url=two_teams, admins=["UADMIN0001"]), two_teams)
        with pytest.raises(NotFound):  # a forged button in B's App Home
            home._apply(conn, APPROVE_PROMPT, pending, "slack:UADMIN0001", B)
        conn.rollback()
        assert pv.review_status(conn, pending) == "pending" and pv.active_version_for(conn, B).id == 1
    refused = cli(two_teams, "prompts", "approve", str(pending), "--team", B)
    assert refused.returncode == 2 and "does not exist" in refused.stderr
    approved = cli(two_teams, "prompts", "approve", str(pending), "--team", A, "--actor", "ann")
    assert approved.returncode == 0, approved.stderr
    with db.connect(two_teams) as conn:
        assert pv.active_version_for(conn, A).id == pending and pv.active_version_for(conn, B).id == 1


def test_labels_of_another_workspace_are_not_found(two_teams):
    with db.connect(two_teams) as conn:
        b_label = conn.execute("SELECT id, status FROM labels WHERE team_id = %s LIMIT 1", (B,)).fetchone()
        a_label = conn.execute("SELECT id, status FROM labels WHERE team_id = %s LIMIT 1", (A,)).fetchone()
    for verb in ("show", "approve", "reject"):
        r = cli(two_teams, "labels", verb, str(b_label["id"]), "--team", A)
        assert r.returncode == 2 and f"Label {b_label['id']} does not exist" in r.stderr, (verb, r.stderr)
    with db.connect(two_teams) as conn:
        assert labels.get_label(conn, b_label["id"])["status"] == b_label["status"], "nothing changed"
    shown = cli(two_teams, "labels", "show", str(b_label["id"]), "--team", B)
    assert shown.returncode == 0 and "bravo question" in shown.stdout
    rejected = cli(two_teams, "labels", "reject", str(a_label["id"]), "--team", A, "--actor", "ann")
    assert rejected.returncode == 0, rejected.stderr
    with db.connect(two_teams) as conn:
        assert labels.get_label(conn, a_label["id"])["status"] == "rejected"
        v1 = pv.get_version(conn, 1)
        bs = pv.create_version(
            conn, instructions=v1.instructions, few_shot=[], params=v1.params, parent_id=1, author="bo", scope=B
        )
        pv.activate(conn, bs, "bravo-admin", reason="bravo's own reason", scope=B)
        conn.commit()

    # the audit log of one workspace shows its own admins' actions only
    def names(out: str, label: dict) -> bool:
        return re.search(rf"label:{label['id']}\b", out) is not None

    audit_a = cli(two_teams, "audit", "--team", A)
    assert names(audit_a.stdout, a_label) and "ann" in audit_a.stdout, audit_a.stderr
    assert "bravo" not in audit_a.stdout and not names(audit_a.stdout, b_label)
    audit_b = cli(two_teams, "audit", "--team", B)
    assert "bravo's own reason" in audit_b.stdout and not names(audit_b.stdout, a_label)


def test_the_beat_retunes_every_installed_workspace_on_its_own(two_teams, monkeypatch):
    from core.settings import reset_settings_cache
    from workers import tasks
    from workers.retune_job import retune_scopes

    with db.connect(two_teams) as conn:
        assert retune_scopes(conn) == [A, B]
        conn.execute("DELETE FROM slack_installations")
        assert retune_scopes(conn) == [""], "a bot-token install: the default scope"
        conn.rollback()
    sent: list[dict] = []
    monkeypatch.setattr(tasks.retune, "apply_async", lambda kwargs, **options: sent.append({**kwargs, **options}))
    monkeypatch.setenv("DATABASE_URL", two_teams)
    reset_settings_cache()
    try:
        assert tasks.retune(actor="beat") == "queued 2 retune(s)"
    finally:
        reset_settings_cache()
    assert [(s["team"], s["actor"], s["queue"]) for s in sent] == [(A, "beat", "retune"), (B, "beat", "retune")]


def test_one_workspaces_retune_does_not_block_anothers(two_teams):
    from feedback.retune import retune_lock_key

    with psycopg.connect(two_teams, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (retune_lock_key(A),))
        busy, _ = _retune(two_teams, A)
        other, _ = _retune(two_teams, B)
    assert busy.decision == "busy" and other.decision == "not_promoted"


def test_a_bot_token_install_keeps_one_default_scope(clean_db):
    """No workspace installed through OAuth: every question, admin command and the beat use the default scope,
    whatever team id Slack's payloads carry — as before workspaces had scopes."""
    with db.connect(clean_db) as conn:
        iid = _interaction(conn, A, "alpha question", "answered", "an answer")
        labels.record_vote(conn, iid, kind="up", reaction="+1", user_id="UALPHA0001", team_id=A)
        v1 = pv.get_version(conn, 1)
        v2 = pv.create_version(
            conn, instructions=v1.instructions, few_shot=[], params=v1.params, parent_id=1, author="ann"
        )
        conn.commit()
        assert pv.scope_of(conn, A) == ""
    r = cli(clean_db, "prompts", "activate", str(v2), "--actor", "ann")
    assert r.returncode == 0, r.stderr
    with db.connect(clean_db) as conn:
        assert pv.active_version_for(conn, A).id == v2 and pv.active_version(conn).id == v2
    same = cli(clean_db, "prompts", "list", "--team", A)
    [active_row] = [line for line in same.stdout.splitlines() if "*" in line]
    assert same.returncode == 0 and f"v{v2} " in active_row


def test_once_every_workspace_uninstalled_the_default_scope_still_learns_from_none_of_theirs(two_teams):
    """With no installation left, the default scope is a bot-token install's again (the command line, or another
    workspace on SLACK_BOT_TOKEN): it must not learn from — nor answer with neighbours of — the labels of the
    workspaces that were installed here through OAuth."""
    from feedback.retune import labels_team
    from workers.slack.installations import PostgresInstallationStore, TokenCipher, new_key

    store = PostgresInstallationStore(two_teams, TokenCipher([new_key()]))
    for team in (A, B):
        assert store.remove_workspace(enterprise_id=None, team_id=team, event="app_uninstalled")
    with db.connect(two_teams) as conn:
        assert labels_team(conn, "") == "", "labels of no workspace only"
    result, answer = _retune(two_teams, "")
    assert not any(q.startswith(("alpha", "bravo")) for q in answer.asked), answer.asked[:3]
    assert result.decision != "promoted"
