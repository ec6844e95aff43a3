"""An admin's rejection of a prompt version holds: no canary, promotion or activation serves it unless an admin
forces it (audited), rejecting a version in a canary ends that canary, approving it is the audited reversal, and
no retune canaries or activates it (real Postgres, the CLI as admins run it, the App Home's button handler)."""

from __future__ import annotations

import pytest

from core import db
from feedback import canary, labels
from feedback import prompt_versions as pv
from feedback.retune import RetuneOptions, retune
from feedback.scoring import Outcome
from tests.support.cli_runner import run_cli
from tests.support.records import add_interaction, seed_variant

TEAM = "T0REJECT01"


def cli(url: str, *args: str):
    return run_cli(url, *args, env={"ANSWERLOOP_ADMIN": "ann"})


def _candidate(url: str, threshold: float = 0.9) -> int:
    """A retuned-looking version waiting for review in the default scope."""
    with db.connect(url) as conn:
        version = seed_variant(conn, {"answerability_threshold": threshold}, author="retune", note="cautious candidate")
        pv.set_review(conn, version, "pending")
        conn.commit()
    return version


def _rejected(url: str) -> int:
    version = _candidate(url)
    out = cli(url, "prompts", "reject", str(version), "--actor", "bob", "--note", "cites the wrong runbook")
    assert out.returncode == 0, out.stderr
    return version


def _actions(url: str, action: str) -> list[dict]:
    with db.connect(url) as conn:
        return conn.execute(
            "SELECT actor, target, details FROM admin_actions WHERE action = %s ORDER BY id", (action,)
        ).fetchall()


def _asker_in(version: int) -> str:
    return next(f"U{i:09d}" for i in range(10_000) if canary.bucket(version, TEAM, f"U{i:09d}") < 1000)


def test_a_rejected_version_is_not_canaried_promoted_or_activated_without_force(clean_db):
    url = clean_db
    v = _rejected(url)
    for args in (("canary", str(v), "--percent", "10"), ("activate", str(v))):
        refused = cli(url, "prompts", *args, "--actor", "ann")
        assert refused.returncode == 2, (args, refused.stdout)
        assert f"v{v} was rejected by bob" in refused.stderr and "cites the wrong runbook" in refused.stderr, args
        assert "--force" in refused.stderr and f"prompts approve {v}" in refused.stderr, refused.stderr
    with db.connect(url) as conn:
        assert canary.running(conn, "") is None and pv.active_version_id(conn) == 1

    forced = cli(url, "prompts", "canary", str(v), "--percent", "10", "--force", "--actor", "ann")
    assert forced.returncode == 0, forced.stderr
    assert "rejected by bob" in forced.stdout and f"v{v} answers 10% of askers" in forced.stdout
    [started] = _actions(url, "prompts.canary")
    assert started["details"]["overrode_rejection"] is True and started["details"]["rejected_by"] == "bob"

    refused = cli(url, "prompts", "promote", str(v), "--actor", "ann")
    assert refused.returncode == 2 and f"v{v} was rejected by bob" in refused.stderr, refused.stderr
    with db.connect(url) as conn:
        assert canary.running(conn, "") is not None and pv.active_version_id(conn) == 1
    promoted = cli(url, "prompts", "promote", str(v), "--force", "--actor", "ann")
    assert promoted.returncode == 0, promoted.stderr
    [moved] = _actions(url, "prompts.promote")
    assert moved["details"]["overrode_rejection"] is True and moved["actor"] == "ann"
    with db.connect(url) as conn:
        assert pv.active_version_id(conn) == v and canary.running(conn, "") is None
        assert pv.review_status(conn, v) == "rejected", "forcing is not approving"


def test_rollback_is_never_blocked_but_says_it_lands_on_a_rejected_version(clean_db):
    url = clean_db
    v = _rejected(url)
    assert cli(url, "prompts", "activate", str(v), "--force", "--actor", "ann").returncode == 0
    [forced] = _actions(url, "prompts.activate")
    assert forced["details"]["overrode_rejection"] is True
    assert cli(url, "prompts", "activate", "1", "--actor", "ann").returncode == 0
    back = cli(url, "prompts", "rollback", "--actor", "ann")
    assert back.returncode == 0, back.stderr
    assert f"v{v} is active again" in back.stdout and f"v{v} was rejected by bob" in back.stdout, back.stdout
    with db.connect(url) as conn:
        assert pv.active_version_id(conn) == v
    [rolled] = _actions(url, "prompts.rollback")
    assert rolled["details"]["rejected_version"] is True


def test_rejecting_a_version_in_a_canary_ends_the_canary(clean_db):
    url = clean_db
    v = _candidate(url)
    assert cli(url, "prompts", "canary", str(v), "--percent", "10", "--actor", "ann").returncode == 0
    asker = _asker_in(v)
    with db.connect(url) as conn:
        assert canary.serving_version(conn, TEAM, asker).id == v
    out = cli(url, "prompts", "reject", str(v), "--actor", "bob")
    assert out.returncode == 0, out.stderr
    assert f"v{v} rejected" in out.stdout and "canary" in out.stdout and "ended" in out.stdout, out.stdout
    with db.connect(url) as conn:
        assert canary.running(conn, "") is None and canary.serving_version(conn, TEAM, asker).id == 1
        row = conn.execute("SELECT ended_by, outcome FROM prompt_canaries WHERE version_id = %s", (v,)).fetchone()
        assert row == {"ended_by": "bob", "outcome": "rejected"}
    [ended] = _actions(url, "prompts.canary_end")
    assert ended["details"]["outcome"] == "rejected" and ended["actor"] == "bob"


def test_the_app_home_reject_button_ends_the_canary_too(clean_db):
    from bot.app_home import REJECT_PROMPT, AppHome
    from core.settings import Settings

    url = clean_db
    v = _candidate(url)
    home = AppHome(Settings(database_url=url, admins=["UADMIN0001"]), url)
    with db.connect(url) as conn:
        canary.start(conn, v, 10, "ann", scope="")
        message = home._apply(conn, REJECT_PROMPT, v, "slack:UADMIN0001", TEAM)
        conn.commit()
        assert "rejected" in message and "canary" in message and "ended" in message, message
        assert canary.running(conn, "") is None and pv.review_status(conn, v) == "rejected"


def test_approving_a_rejected_version_needs_force_and_is_audited_as_the_reversal(clean_db):
    url = clean_db
    v = _rejected(url)
    refused = cli(url, "prompts", "approve", str(v), "--actor", "carol")
    assert refused.returncode == 2 and f"v{v} was rejected by bob" in refused.stderr, refused.stderr
    assert f"prompts approve {v} --force" in refused.stderr
    with db.connect(url) as conn:
        assert pv.review_status(conn, v) == "rejected" and pv.active_version_id(conn) == 1
    out = cli(url, "prompts", "approve", str(v), "--force", "--actor", "carol")
    assert out.returncode == 0, out.stderr
    assert f"v{v} approved and active" in out.stdout and "rejected by bob" in out.stdout, out.stdout
    [approved] = _actions(url, "prompts.approve")
    assert approved["details"]["overrode_rejection"] is True and approved["details"]["rejected_by"] == "bob"
    with db.connect(url) as conn:
        assert pv.review_status(conn, v) == "approved" and pv.active_version_id(conn) == v
    again = cli(url, "prompts", "approve", str(v))
    assert again.returncode == 2 and "not waiting for approval" in again.stderr


def _thumbs_up_to_dont_know(url: str) -> None:
    """Held-out labels that a cautious version (threshold ≥ 0.6) gets right and the seed gets wrong."""
    with db.connect(url) as conn:
        for i in range(30):
            iid = add_interaction(conn, "", f"question number {i} about the deploy train", status="dont_know")
            labels.record_vote(conn, iid, kind="up", reaction="+1", user_id="UASKER0001", team_id="")
        conn.commit()


def _cautious(question, collections, version, exclude) -> Outcome:
    if version.params.answerability_threshold >= 0.6:
        return Outcome(status="dont_know", answer="", reason="below_gate")
    return Outcome(status="answered", answer="The deploy train leaves at noon.", grounding="grounded")


@pytest.mark.parametrize(
    "mode", [{"auto_promote": True}, {"auto_promote": True, "canary_below": 1000}, {"auto_promote": False}]
)
def test_a_retune_never_serves_or_reopens_a_rejected_candidate(clean_db, mode):
    url = clean_db
    _thumbs_up_to_dont_know(url)
    v = _rejected(url)
    with db.connect(url) as conn:
        extra = [pv.get_version(conn, v)]
    options = RetuneOptions(min_heldout=3, grid={}, refit_answerability=False, extra_candidates=extra, **mode)
    result = retune(_cautious, database_url=url, options=options, actor="retune")
    judged = [c for c in result.report["candidates"] if c["name"] == f"v{v}"]
    assert judged and judged[0]["promote"], "the rejected version would have won"
    assert result.decision == "not_promoted" and f"v{v}" in result.summary and "rejected" in result.summary
    with db.connect(url) as conn:
        assert pv.active_version_id(conn) == 1 and canary.running(conn, "") is None
        assert pv.review_status(conn, v) == "rejected"


def test_a_candidate_rejected_while_the_retune_judges_it_is_not_served(clean_db):
    url = clean_db
    _thumbs_up_to_dont_know(url)
    v = _candidate(url)  # waiting for review when the retune starts
    with db.connect(url) as conn:
        extra = [pv.get_version(conn, v)]

    def reject_midway(question, collections, version, exclude) -> Outcome:
        with db.connect(url) as admin:  # an admin clicks reject while the retune judges the version
            if version.id == v and pv.review_status(admin, v) == "pending":
                canary.reject(admin, v, "bob", "no", scope="")
                admin.commit()
        return _cautious(question, collections, version, exclude)

    options = RetuneOptions(min_heldout=3, grid={}, refit_answerability=False, extra_candidates=extra)
    result = retune(reject_midway, database_url=url, options=options, actor="retune")
    assert result.decision == "not_promoted" and f"v{v} was rejected by bob" in result.summary, result.summary
    with db.connect(url) as conn:
        assert pv.active_version_id(conn) == 1 and pv.review_status(conn, v) == "rejected"
