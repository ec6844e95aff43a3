"""The retune loop on a scripted team's feedback (tests/support/feedback_scenario.py), real pipeline and Postgres.

Two starting points, the same 125 questions and the same simulated teammate:

* an over-eager version an admin activated to "answer more" (answerability threshold 0.05, min sentence
  support 0.25): the team
  thumbs down its hallucinations, and the retune finds better parameters on the train split, beats that version
  on the held-out split and promotes; `prompts rollback` restores it;
* the seed version 1: the retune finds nothing better on held-out and leaves it active; an admin-written
  candidate that answers less is judged through the same gate and refused for its regressions.
"""

from __future__ import annotations

import subprocess

import psycopg
import pytest

from core import db
from feedback import canary
from feedback import prompt_versions as pv
from feedback.examples import load_examples
from feedback.retune import RetuneOptions
from tests.conftest import SAMPLE_KB, make_settings, reset_database
from tests.support.cli_runner import run_cli
from tests.support.feedback_scenario import EAGER, activate_eager, run_scenario
from workers.kb.ingest import ingest_folder
from workers.retune_job import options_from, run_eval, run_retune


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return run_cli(database_url, *args, embeddings="local")


def fresh_handbook(database_url: str, embedder) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        reset_database(conn)
    with db.connect(database_url) as conn:
        ingest_folder(conn, SAMPLE_KB / "handbook", "handbook", embedder=embedder, settings=make_settings(database_url))


def make_pipeline(database_url, embedder, guard):
    from workers.pipeline import Pipeline

    return Pipeline(make_settings(database_url), guard=guard, embedder=embedder, database_url=database_url)


@pytest.fixture(scope="module")
def eager_scenario(database_url, local_embedder, pii_guard):
    """Feedback collected under an over-eager v2 (so far the team only ever saw v2)."""
    fresh_handbook(database_url, local_embedder)
    v2 = activate_eager(database_url)
    pipeline = make_pipeline(database_url, local_embedder, pii_guard)
    scenario = run_scenario(pipeline, database_url, local_embedder)
    return pipeline, scenario, v2


def test_the_scenario_labels_are_split_once_by_question(eager_scenario, database_url):
    _, scenario, v2 = eager_scenario
    assert scenario.asked == 125 and scenario.by_split["heldout"] >= 20 and scenario.by_split["train"] >= 60
    assert scenario.votes[("hallucinated", "down")] > 10, "the eager version hallucinates and the team says so"
    with db.connect(database_url) as conn:
        mixed = conn.execute(
            "SELECT i.question_redacted FROM labels l JOIN interactions i ON i.id = l.interaction_id "
            "GROUP BY 1 HAVING count(DISTINCT l.split) > 1"
        ).fetchall()
        versions = conn.execute("SELECT DISTINCT prompt_version_id AS v FROM labels").fetchall()
    assert mixed == [], "every label of one question is in the same split"
    assert versions == [{"v": v2}], "labels carry the version that produced the answer"


def test_retune_promotes_a_candidate_that_beats_the_active_version_on_held_out(eager_scenario, database_url):
    pipeline, _, v2 = eager_scenario
    result = run_retune(pipeline, actor="test")
    assert result.decision == "promoted", result.summary
    report = result.report
    winner = next(c for c in report["candidates"] if c["name"] == report["winner"])
    baseline, candidate = report["baseline"], winner["metrics"]
    assert candidate["score"] >= baseline["score"] + 0.02
    assert candidate["grounding_pass"] >= baseline["grounding_pass"] and candidate["pii_leaks"] <= baseline["pii_leaks"]
    assert candidate["by_expectation"]["not_this"]["score"] > baseline["by_expectation"]["not_this"]["score"], (
        "fewer of the answers the team rejected"
    )
    evidence = report["evidence"]  # made active for everyone: its gain is many labels, not two
    assert evidence["wins"] > evidence["losses"] and evidence["p"] <= evidence["promote_p"] == 0.1, evidence
    changed = winner["params_changed"]
    stricter_threshold = changed.get("answerability_threshold", {}).get("to", 0) > EAGER["answerability_threshold"]
    # or the handbook's answerability shift learned from the labels (G.1) makes the gate refuse more
    handbook_shift = changed.get("answerability_shift", {}).get("to", {}).get("handbook", 0.0)
    # or the handbook's answerability weights learned from the labels, with the candidate answering less
    refits_weights = "answerability_offsets" in changed and candidate["answered"] < baseline["answered"]
    assert stricter_threshold or handbook_shift < 0 or refits_weights, changed
    with db.connect(database_url) as conn:
        active = pv.active_version(conn)
        heldout_labels = {r["id"] for r in conn.execute("SELECT id FROM labels WHERE split = 'heldout'").fetchall()}
        [move] = pv.activations(conn, 1)
        stored = conn.execute(
            "SELECT decision, candidate_version_id FROM eval_reports WHERE id = %s", (result.report_id,)
        ).fetchone()
        review = pv.review_status(conn, active.id)
    assert active.id == result.candidate_version_id and active.parent_id == v2 and active.author == "retune"
    assert active.metrics["score"] == pytest.approx(candidate["score"], abs=1e-4)
    assert (move["kind"], move["previous_version_id"], move["actor"]) == ("promote", v2, "test")
    assert stored == {"decision": "promoted", "candidate_version_id": active.id} and review == "approved"
    assert 5 <= len(active.few_shot) <= 8, "demos from approved feedback"
    assert not {s.source_label_id for s in active.few_shot} & heldout_labels, "held-out labels never become demos"

    # the report prints again later, and the admin can roll back
    shown = cli(database_url, "retune", "show", str(result.report_id))
    assert shown.returncode == 0 and "promoted" in shown.stdout and "grounding pass rate" in shown.stdout
    assert f"{evidence['wins']} held-out labels right where the active version was wrong" in shown.stdout
    back = cli(database_url, "prompts", "rollback", "--actor", "admin-ann", "--reason", "want to compare")
    assert back.returncode == 0, back.stderr
    assert f"v{v2} is active again" in back.stdout
    with db.connect(database_url) as conn:
        assert pv.active_version_id(conn) == v2
        [move] = pv.activations(conn, 1)
    assert (move["kind"], move["actor"]) == ("rollback", "admin-ann")


def test_a_candidate_that_regresses_is_not_promoted(eager_scenario, database_url):
    pipeline, _, _ = eager_scenario
    with db.connect(database_url) as conn:
        before = pv.active_version(conn)
        timid = pv.create_version(
            conn,
            instructions=before.instructions,
            few_shot=[],
            author="admin-bob",
            parent_id=before.id,
            params=before.params.model_copy(update={"answerability_threshold": 0.95}),
            note="only answer when sure",
        )
        conn.commit()
        options = options_from(pipeline.settings)
        options.extra_candidates = [pv.get_version(conn, timid)]
        options.grid = {}  # judge the admin's candidate alone
        options.refit_answerability = False
    result = run_retune(pipeline, actor="test", options=options)
    assert result.decision == "not_promoted"
    [judged] = [c for c in result.report["candidates"] if c["name"] == f"v{timid}"]
    assert not judged["promote"]
    assert any("fell by" in r for r in judged["reasons"]), judged["reasons"]
    assert judged["metrics"]["agreement"] < result.report["baseline"]["agreement"]
    with db.connect(database_url) as conn:
        assert pv.active_version_id(conn) == before.id


def test_a_gain_that_is_not_conclusive_starts_as_a_canary_not_for_everyone(eager_scenario, database_url):
    """The same better candidate as above, with a bar for "conclusive" no held-out split of this size can reach: it
    answers a share of askers, the active version everyone else, and the report says why."""
    pipeline, _, _ = eager_scenario
    with db.connect(database_url) as conn:
        before = pv.active_version_id(conn)
    options = options_from(pipeline.settings)
    options.promote_p = 1e-12
    result = run_retune(pipeline, actor="test", options=options)
    try:
        assert result.decision == "canary", result.summary
        evidence = result.report["evidence"]
        assert evidence["wins"] > evidence["losses"] and evidence["p"] > 1e-12
        assert f"inconclusive: {evidence['wins']} wins, {evidence['losses']} losses" in result.summary
        assert result.report["canary"]["reason"].startswith("inconclusive")
        with db.connect(database_url) as conn:
            running = canary.running(conn, pv.DEFAULT_SCOPE)
            assert pv.active_version_id(conn) == before, "not made active for everyone"
            assert running is not None and running.version_id == result.candidate_version_id
            assert pv.review_status(conn, result.candidate_version_id) == "pending"
    finally:
        with db.connect(database_url) as conn:
            canary.end(conn, "test", scope=pv.DEFAULT_SCOPE, reason="test over")
            conn.commit()


def test_dry_run_and_approval_mode_change_nothing_until_an_admin_approves(eager_scenario, database_url):
    pipeline, _, _ = eager_scenario
    with db.connect(database_url) as conn:
        active, n_versions = pv.active_version_id(conn), len(pv.list_versions(conn))
    dry = run_retune(pipeline, actor="test", dry_run=True)
    with db.connect(database_url) as conn:
        assert (pv.active_version_id(conn), len(pv.list_versions(conn))) == (active, n_versions)
        assert conn.execute("SELECT dry_run FROM eval_reports WHERE id = %s", (dry.report_id,)).fetchone()["dry_run"]

    options = options_from(pipeline.settings)
    options.auto_promote = False
    pending = run_retune(pipeline, actor="test", options=options)
    if pending.decision != "pending_approval":
        pytest.fail(f"expected a better candidate from v{active} as in the promotion test: {pending.summary}")
    candidate = pending.candidate_version_id
    with db.connect(database_url) as conn:
        assert pv.active_version_id(conn) == active and pv.review_status(conn, candidate) == "pending"
        # A new version waiting for approval is a state change like any other: the audit log says who made it.
        audit = conn.execute(
            "SELECT actor, details FROM admin_actions WHERE action = 'prompts.candidate' AND target = %s",
            (f"v{candidate}",),
        ).fetchall()
    assert [(a["actor"], a["details"]["report"]) for a in audit] == [("test", pending.report_id)], audit
    assert f"v{candidate}" in cli(database_url, "audit").stdout
    listed = cli(database_url, "prompts", "list")
    assert "pending" in listed.stdout
    approved = cli(database_url, "prompts", "approve", str(candidate), "--actor", "admin-ann")
    assert approved.returncode == 0, approved.stderr
    with db.connect(database_url) as conn:
        assert pv.active_version_id(conn) == candidate and pv.review_status(conn, candidate) == "approved"
    again = cli(database_url, "prompts", "approve", str(candidate))
    assert again.returncode == 2 and "not waiting for approval" in again.stderr


def test_eval_scores_a_version_on_held_out_and_stores_the_report(eager_scenario, database_url):
    pipeline, _, v2 = eager_scenario
    report_id, metrics, version = run_eval(pipeline, v2, actor="test")
    assert version.id == v2 and metrics.n >= 20
    with db.connect(database_url) as conn:
        row = conn.execute("SELECT kind, baseline_version_id FROM eval_reports WHERE id = %s", (report_id,)).fetchone()
    assert row == {"kind": "eval", "baseline_version_id": v2}
    printed = cli(database_url, "eval", "--version", str(v2))
    assert printed.returncode == 0 and "held-out examples" in printed.stdout
    assert f"score {metrics.score:.3f}" in printed.stdout  # the same deterministic score, recomputed
    missing = cli(database_url, "eval", "--version", "999")
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_concurrent_retunes_do_not_both_run(eager_scenario, database_url):
    pipeline, _, _ = eager_scenario
    from feedback.retune import RETUNE_LOCK_KEY

    with psycopg.connect(database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (RETUNE_LOCK_KEY,))
        result = run_retune(pipeline, actor="test")
    assert result.decision == "busy" and result.report_id is None


def test_from_the_seed_version_nothing_better_is_found_and_v1_stays(database_url, local_embedder, pii_guard):
    fresh_handbook(database_url, local_embedder)
    pipeline = make_pipeline(database_url, local_embedder, pii_guard)
    run_scenario(pipeline, database_url, local_embedder)
    result = run_retune(pipeline, actor="test")
    assert result.decision == "not_promoted", result.summary
    with db.connect(database_url) as conn:
        assert pv.active_version_id(conn) == 1
        assert [v.id for v in pv.list_versions(conn)] == [1], "no version is created for a candidate that lost"
    for cand in result.report["candidates"]:
        assert not cand["promote"] and cand["reasons"]


def test_too_few_held_out_labels_is_no_decision(clean_db, local_embedder, pii_guard):
    with db.connect(clean_db) as conn:
        ingest_folder(
            conn, SAMPLE_KB / "handbook", "handbook", embedder=local_embedder, settings=make_settings(clean_db)
        )
    pipeline = make_pipeline(clean_db, local_embedder, pii_guard)
    run_scenario(pipeline, clean_db, local_embedder, limit=12)
    result = run_retune(pipeline, actor="test", options=RetuneOptions(min_heldout=10))
    assert result.decision == "not_enough_data" and "held-out" in result.summary
    with db.connect(clean_db) as conn:
        assert len(load_examples(conn)) <= 12 and pv.active_version_id(conn) == 1


def test_the_retune_gives_labels_from_before_question_vectors_a_vector(clean_db, local_embedder, pii_guard):
    """An install upgraded past migration 0021 has labels whose questions have no vector: the retune stores them,
    so those labels count as labelled neighbours."""
    with db.connect(clean_db) as conn:
        ingest_folder(
            conn, SAMPLE_KB / "handbook", "handbook", embedder=local_embedder, settings=make_settings(clean_db)
        )
    pipeline = make_pipeline(clean_db, local_embedder, pii_guard)
    run_scenario(pipeline, clean_db, local_embedder, limit=12)
    with db.connect(clean_db) as conn:
        conn.execute("DELETE FROM question_vectors")  # as before migration 0021
        conn.commit()
    run_retune(pipeline, actor="test", options=RetuneOptions(min_heldout=10))
    with db.connect(clean_db) as conn:
        train = {e.interaction_id for e in load_examples(conn) if e.split == "train"}
        stored = {str(r["interaction_id"]) for r in conn.execute("SELECT interaction_id FROM question_vectors")}
    assert train and train <= stored
