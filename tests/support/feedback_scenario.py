"""A scripted team giving feedback, for the retune test and bench.

The questions are `bench/data/feedback_scenario.jsonl`, asked in a channel that searches the sample handbook,
in three rounds as a team would over weeks: round 0 has the handbook questions of `retrieval_eval.jsonl`
(answerable ones with the sections that answer them, and near misses the handbook does not answer) and
out-of-scope questions people ask such a bot anyway (wifi passwords, payroll dates, parental leave…); rounds
1 and 2 ask the answerable questions again in other words (other people, later), and more out-of-scope ones.
The simulated teammate asks each one through the real pipeline (recorded like a Slack question),
then reacts the way a careful person would, knowing the truth:

* answered, citing a section that answers it  → 👍 (approved by the admin);
* answered from the wrong place                → 👎 "wrong", and a correction: the first sentences of the
                                                 right section (approved: it becomes a verified answer);
* "I don't know" to an answerable question     → 👎 "didn't answer my question", and the same correction;
* answered although the documents don't say    → 👎 "wrong";
* "I don't know" to an unanswerable question   → 👍.

An answer from a verified answer counts as citing the sections of the question that correction was for.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import psycopg

from bench.common import ROOT, chunk_keys, gold_key, load_eval
from core import db
from feedback import labels
from guardrails.text import sentences
from workers.embeddings import Embedder
from workers.kb import verified
from workers.pipeline import Pipeline

USER = "U0SIMUSER1"
# An admin's "answer more" version (after complaints about too many "I don't know"s): the starting point from
# which the scenario's feedback gives the retune something to fix.
EAGER = {
    "answerability_threshold": 0.05,
    "abstain_threshold": 0.2,
    "min_sentence_support": 0.25,
    "verified_threshold": 0.65,
}
SCENARIO = ROOT / "bench" / "data" / "feedback_scenario.jsonl"


@dataclass
class Scenario:
    asked: int = 0
    votes: Counter = field(default_factory=Counter)  # (expectation, up|down)
    corrections: int = 0
    by_split: Counter = field(default_factory=Counter)
    from_verified: Counter = field(default_factory=Counter)  # round → answers given from a verified answer


def _chunk_index(conn: psycopg.Connection) -> dict[int, dict]:
    rows = conn.execute(
        "SELECT c.id, c.collection, c.section_title, c.heading_path, c.content, d.source_path "
        "FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.format <> 'verified' ORDER BY c.id"
    ).fetchall()
    return {r["id"]: {**r, "keys": chunk_keys(r["source_path"], r["section_title"], r["heading_path"])} for r in rows}


def _gold_text(chunks: dict[int, dict], collection: str, gold: set) -> str | None:
    """The first sentences of the first chunk of a gold section: what a teammate would paste as the answer."""
    for c in chunks.values():
        if c["collection"] == collection and c["keys"] & gold:
            prose = [s for s in sentences(c["content"]) if len(s.split()) >= 5 and not s.lstrip().startswith("..")]
            if prose:
                return " ".join(prose[:2])
    return None


def run_scenario(
    pipeline: Pipeline,
    url: str,
    embedder: Embedder,
    *,
    heldout_percent: int = 30,
    limit: int | None = None,
    records: list[dict] | None = None,
) -> Scenario:
    """`records`: other questions in the same form (question, collection, answerable, gold), e.g. the dev split of
    an evaluation set of bench/data; by default the handbook scenario."""
    if records is None:
        records = sorted(load_eval(SCENARIO), key=lambda r: r.get("round", 0))[:limit]
    out = Scenario()
    with db.connect(url) as conn:
        chunks = _chunk_index(conn)
    verified_gold: dict[int, set] = {}  # chunk id of a verified answer → the gold of the question it answers
    for rec in records:
        result = pipeline.ask(rec["question"], [rec["collection"]], source="slack")
        out.asked += 1
        if result.answerer == "verified":
            out.from_verified[rec.get("round", 0)] += 1
        gold = {gold_key(g) for g in rec["gold"]}
        answered = result.status == "answered"
        cites_gold = any(
            (chunks.get(c.chunk_id, {}).get("keys", set()) | verified_gold.get(c.chunk_id, set())) & gold
            for c in result.citations
        )
        with db.connect(url) as conn:
            kind, reason, correct = _reaction(rec["answerable"], answered, cites_gold)
            vote = labels.record_vote(
                conn,
                result.interaction_id,
                kind=kind,
                reaction="+1" if kind == "up" else "-1",
                user_id=USER,
                channel_id="C0SIM00001",
                heldout_percent=heldout_percent,
            )
            split = conn.execute("SELECT split FROM labels WHERE id = %s", (vote.label_id,)).fetchone()["split"]
            out.by_split[split] += 1
            out.votes[(_expect(rec["answerable"], answered, cites_gold), kind)] += 1
            if reason:
                labels.add_reasons(conn, vote.label_id, USER, reasons=[reason])
            if kind == "up":
                labels.review(conn, vote.label_id, "approved", "sim-admin")
            text = _gold_text(chunks, rec["collection"], gold) if correct else None
            if text:
                label_id = labels.record_correction(
                    conn,
                    result.interaction_id,
                    correction=text,
                    user_id=USER,
                    user_name="Sim Expert",
                    heldout_percent=heldout_percent,
                )
                label = labels.review(conn, label_id, "approved", "sim-admin")
                doc_id = verified.publish(conn, label, embedder=embedder, approved_by="sim-admin")
                chunk = conn.execute("SELECT id FROM chunks WHERE document_id = %s", (doc_id,)).fetchone()
                verified_gold[chunk["id"]] = gold
                out.corrections += 1
            conn.commit()
    return out


def activate_eager(url: str, actor: str = "admin-ann") -> int:
    """Create and activate the over-eager version; returns its id."""
    from feedback import prompt_versions as pv

    with db.connect(url) as conn:
        v1 = pv.active_version(conn)
        vid = pv.create_version(
            conn,
            instructions=v1.instructions,
            few_shot=[],
            params=v1.params.model_copy(update=EAGER),
            parent_id=v1.id,
            author=actor,
            note="answer more",
        )
        pv.activate(conn, vid, actor, reason="too many I don't knows")
        conn.commit()
    return vid


def _reaction(answerable: bool, answered: bool, cites_gold: bool) -> tuple[str, str | None, bool]:
    """(vote, reason, whether to write a correction)."""
    if answerable and answered and cites_gold:
        return "up", None, False
    if answerable and answered:
        return "down", "wrong", True
    if answerable:
        return "down", "off_topic", True
    if answered:
        return "down", "wrong", False
    return "up", None, False


def _expect(answerable: bool, answered: bool, cites_gold: bool) -> str:
    if answerable:
        return "answered-right" if answered and cites_gold else "answered-wrong" if answered else "missed"
    return "hallucinated" if answered else "honest-idk"
