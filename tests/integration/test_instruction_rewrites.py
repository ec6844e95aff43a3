"""Instruction candidates in the retune (issue G.5): the model rewrites the instructions from the train split's
failures, through the real `instructor` client against the local OpenAI-compatible server, and the rewrites are
judged on the held-out labels in Postgres through the same gate as every candidate.

The retune's `answer_fn` here is a small deterministic answerer whose behaviour depends on the instructions (it
refuses questions about other products only when told to), so what the gate decides is known in advance; the
real pipeline's model path is covered by test_model_answerer.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import psycopg
import pytest

from core import db
from feedback import prompt_versions as pv
from feedback.labels import add_reasons, record_vote
from feedback.retune import RetuneOptions, retune
from feedback.scoring import Outcome
from tests.conftest import make_settings, reset_database
from tests.support.fake_openai import ChatRequest, FakeOpenAI, http_error, serve
from tests.support.records import add_interaction
from workers.access import readable_by_all
from workers.answerers.llm import ModelAnswerer
from workers.kb.store import ensure_collection

MODEL = "openai/gpt-4o-mini"
REFUSE = "Refuse questions about products other than ours."
ON_TOPIC = [f"How do I rotate the on-call schedule for team {i}?" for i in range(24)]
OFF_TOPIC = [f"What is the best pizza topping number {i}?" for i in range(24)]
HR_SECRET = "What is the L5 salary band"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    yield from serve()


@pytest.fixture()
def labelled(database_url: str) -> str:
    """A team that liked the on-topic answers and thumbed down every answer to an off-topic question ('wrong')."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        reset_database(conn)
    with db.connect(database_url) as conn:
        ensure_collection(conn, "docs")  # public: everyone in the workspace may read it
        conn.execute("INSERT INTO collections (name, visibility, allowed_channels) VALUES ('hr', 'restricted', %s)",
                     (["C0HRONLY1"],))  # fmt: skip
        for i in range(6):  # failures in HR: only #hr-only may read what they say
            iid = add_interaction(conn, "", f"{HR_SECRET} question {i}?", answer="an answer", collections=["hr"])
            vote = record_vote(conn, iid, kind="down", reaction="-1", user_id="U0CAROL01")
            add_reasons(conn, vote.label_id, "U0CAROL01", reasons=["wrong"])
        for i, question in enumerate(ON_TOPIC + OFF_TOPIC):
            iid = add_interaction(conn, "", question, answer="Rotate it in the paging tool.")
            liked = i < len(ON_TOPIC)
            vote = record_vote(
                conn, iid, kind="up" if liked else "down", reaction="+1" if liked else "-1", user_id="U0CAROL01"
            )
            if vote.kind == "down":
                add_reasons(conn, vote.label_id, "U0CAROL01", reasons=["wrong"])
        conn.commit()
    return database_url


def answer_fn(question: str, collections: Sequence[str], version: pv.PromptVersion, exclude: Sequence[int] = ()):
    if REFUSE in version.instructions and "pizza" in question:
        return Outcome(status="dont_know", answer="", reason="model_declined")
    return Outcome(status="answered", answer="Rotate it in the paging tool.", grounding="grounded")


def proposer(database_url: str, fake: FakeOpenAI) -> ModelAnswerer:
    settings = make_settings(database_url, llm=MODEL, llm_base_url=fake.base_url, llm_api_key="test")
    return ModelAnswerer(settings)


def rewrites(*texts: str):
    def reply(request: ChatRequest) -> dict:
        assert request.tool_name == "InstructionRewrites", request.tool_name
        return {"rewrites": list(texts)}

    return reply


def heldout_questions(database_url: str) -> set[str]:
    with db.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT i.question_redacted AS q FROM labels l JOIN interactions i ON i.id = l.interaction_id "
            "WHERE l.split = 'heldout'"
        ).fetchall()
    return {r["q"] for r in rows}


def test_a_rewrite_learned_from_the_train_failures_is_promoted_on_held_out(labelled, fake):
    fake.reset()
    fake.script(rewrites("Answer only from the passages and cite them. " + REFUSE, "Answer briefly from the passages."))
    model = proposer(labelled, fake)
    options = RetuneOptions(
        min_heldout=5,
        model_answers=True,
        propose_instructions=model.propose_instructions,
        shared_collections=readable_by_all,
    )
    result = retune(answer_fn, database_url=labelled, options=options, actor="test")

    assert result.decision == "promoted", result.summary
    assert result.report["winner"] == "instructions-1"
    assert result.report["instruction_candidates"]["candidates"] == ["instructions-1", "instructions-2"]
    with db.connect(labelled) as conn:
        active = pv.active_version(conn)
    assert active.id == result.candidate_version_id and REFUSE in active.instructions
    entry = next(c for c in result.report["candidates"] if c["name"] == "instructions-1")
    assert REFUSE in entry["instructions"], "the report shows the rewrite an admin is asked to trust"

    [request] = fake.chat_requests
    sent = request.text()
    assert "pizza" in sent and "why it was rejected: wrong" in sent, "the failures and the team's reasons"
    assert not any(q in sent for q in ON_TOPIC), "answers the team liked are not failures"
    assert "answer only from the passages" in request.system.lower(), "the rewrite must keep the grounding rules"
    assert HR_SECRET not in sent, "failures in a restricted collection never reach instructions everyone gets"
    heldout = heldout_questions(labelled)
    assert heldout and not any(q in sent for q in heldout), "the proposer never sees a held-out question"


def test_a_rewrite_that_does_not_help_is_judged_and_refused_and_a_failing_model_is_said(labelled, fake):
    fake.reset()
    fake.script(rewrites("Answer briefly from the passages."))
    model = proposer(labelled, fake)
    options = RetuneOptions(
        min_heldout=5,
        model_answers=True,
        propose_instructions=model.propose_instructions,
        shared_collections=readable_by_all,
    )
    result = retune(answer_fn, database_url=labelled, options=options, actor="test")
    assert result.decision == "not_promoted", result.summary
    [entry] = [c for c in result.report["candidates"] if c["name"] == "instructions-1"]
    assert entry["promote"] is False

    fake.reset()
    fake.script(http_error(500), http_error(500), http_error(500), http_error(500))
    broken = retune(answer_fn, database_url=labelled, options=options, actor="test")
    assert "proposed no rewrite" in broken.report["instruction_candidates"]["skipped"]
    assert broken.decision == "not_promoted", "the retune goes on without the rewrites"


def test_offline_the_instruction_path_is_skipped_and_the_report_says_so(labelled):
    result = retune(answer_fn, database_url=labelled, options=RetuneOptions(min_heldout=5), actor="test")
    assert "no model configured" in result.report["instruction_candidates"]["skipped"]
    assert not any(c["name"].startswith("instructions-") for c in result.report["candidates"])


def test_with_few_held_out_labels_the_winner_starts_as_a_canary_not_for_everyone(labelled, fake):
    from feedback import canary

    fake.reset()
    fake.script(rewrites("Answer only from the passages and cite them. " + REFUSE))
    model = proposer(labelled, fake)
    options = RetuneOptions(
        min_heldout=5,
        model_answers=True,
        propose_instructions=model.propose_instructions,
        shared_collections=readable_by_all,
        canary_below=1000,
        canary_percent=25,
    )
    result = retune(answer_fn, database_url=labelled, options=options, actor="test")
    assert result.decision == "canary", result.summary
    with db.connect(labelled) as conn:
        running = canary.running(conn, "")
        assert pv.active_version_id(conn) == 1, "the active version still answers everyone else"
        assert pv.review_status(conn, result.candidate_version_id) == "pending"
        action = conn.execute(
            "SELECT action, target FROM admin_actions WHERE action = 'prompts.canary' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert running is not None and running.version_id == result.candidate_version_id and running.percent == 25
    assert action == {"action": "prompts.canary", "target": f"v{result.candidate_version_id}"}
    assert "prompts promote" in result.summary

    # A second winner while that canary runs waits for an admin instead of replacing it.
    fake.reset()
    fake.script(rewrites("Answer only from the passages. " + REFUSE + " Be brief."))
    again = retune(answer_fn, database_url=labelled, options=options, actor="test")
    assert again.decision == "pending_approval", again.summary
    assert "no canary" in again.summary
    with db.connect(labelled) as conn:
        assert canary.running(conn, "").version_id == result.candidate_version_id
