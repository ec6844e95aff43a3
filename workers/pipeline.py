"""The guarded answer pipeline: guard in → retrieve → gate → generate → ground → guard out → record."""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Concatenate, NotRequired, ParamSpec, TypedDict, TypeVar

from core import db
from core.errors import InvalidQuestion
from core.settings import Settings, get_settings
from feedback import answerability_refit as refit
from feedback.canary import serving_version
from feedback.prompt_versions import AnsweringParams, PromptVersion
from feedback.retune import labels_team
from guardrails.dont_know import ClosestDoc, dont_know_message
from guardrails.followup import ThreadContext, Turn
from guardrails.grounding import CitationRef, GroundingVerdict, check_grounding, skipped
from guardrails.pii import PiiGuard, PiiVerdict, Redaction
from guardrails.text import question_problem, question_similarity, without_placeholders
from workers.access import demos_beyond, verified_beyond
from workers.answerability.gate import AnswerabilityGate, Assessment, confidence, shifted
from workers.answerers.base import Answerer, Citation, Draft, GroundingJudge
from workers.answerers.condense import Standalone, add_usage, default_condenser, standalone_question
from workers.answerers.extractive import ExtractiveAnswerer
from workers.embeddings import CachingEmbedder, Embedder, get_embedder
from workers.guard_config import guard_for
from workers.interactions import record_interaction, thread_link
from workers.kb.embedder_check import ensure_same_embedder
from workers.progress import Progress, ProgressFn, tell
from workers.retrieval import Mode, Passage, Retrieval, retrieve, titled
from workers.search.rerank import make_reranker

log = logging.getLogger(__name__)


@dataclass
class CitationOut:
    chunk_id: int
    document_title: str
    section: str
    link: str
    quote: str
    document_id: int | None = None
    verified: bool = False
    last_verified: str | None = None  # a verified answer past its review date: served, marked with this day

    @property
    def title(self) -> str:
        """What a reader sees of the source: "Document › Section" (a verified answer: its verifier alone)."""
        return titled(self.document_title, self.section)


class ClosestOut(TypedDict):
    title: str  # "Document › Section"
    link: str


class GuardVerdicts(TypedDict):
    """The guards' verdicts on one answer, stored with the interaction (`guard` in `ask --json`)."""

    pii_in: PiiVerdict  # found in the question and redacted before anything else
    pii_out: PiiVerdict  # found in the answer and its quotes
    grounding: GroundingVerdict
    draft: NotRequired[str]  # an answer that failed a check: kept for review, never shown


class Scores(TypedDict):
    """How the answer was decided (`scores` in `ask --json`): answerability, retrieval, the model's usage."""

    answerability: float
    confidence: str  # high | medium | low
    answerability_threshold: float
    gate: str
    signals: dict[str, float]
    best_relevance: float
    abstain_threshold: float
    retrieved: int
    fts_hits: int
    vector_hits: int
    top: list[dict[str, float]]
    usage: dict[str, Any]
    verified_similarity: NotRequired[float | None]
    # The label-free probability, the collection whose calibration was used and the label-learned logit shift
    # applied to it (`answerability` is after the shift): what the retune refits from.
    answerability_label_free: NotRequired[float]
    answerability_collection: NotRequired[str | None]
    answerability_shift: NotRequired[float]
    answerability_features: NotRequired[list[float]]  # the normalised signals (what the retune's weights refit reads)
    # The pull of the team's labelled neighbours (AnsweringParams.answerability_neighbours), when the version has
    # one for the collection: evidence in [-1, 1], neighbours read (within the radius, or all for the gap form), and
    # the logit added.
    answerability_neighbours: NotRequired[dict[str, float]]


@dataclass(frozen=True)
class Decision:
    """What the gate, the answerer and the grounding check decided: `reason` is "" when the draft may be shown."""

    draft: Draft
    grounding: GroundingVerdict
    reason: str


@dataclass
class AnswerResult:
    interaction_id: str
    status: str  # answered | dont_know
    answer: str
    reason: str
    question_redacted: str
    citations: list[CitationOut] = field(default_factory=list)
    closest: list[ClosestOut] = field(default_factory=list)
    guard: GuardVerdicts = field(default_factory=lambda: _empty_guard())
    scores: Scores = field(default_factory=lambda: _empty_scores())
    prompt_version: int | None = None
    answerer: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    # "high" | "medium" | "low": the answerability probability in words (workers.answerability.gate).
    confidence: str = "low"

    def as_dict(self) -> dict:
        return asdict(self)


def _empty_guard() -> GuardVerdicts:
    nothing: PiiVerdict = {"found": False, "entities": {}, "secrets": False, "ner": ""}
    return {"pii_in": nothing, "pii_out": nothing, "grounding": skipped()}


def _empty_scores() -> Scores:
    return {"answerability": 0.0, "confidence": "low", "answerability_threshold": 0.0, "gate": "", "signals": {},
            "best_relevance": 0.0, "abstain_threshold": 0.0, "retrieved": 0, "fts_hits": 0, "vector_hits": 0,
            "top": [], "usage": {}}  # fmt: skip


class _Timer:
    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._start = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = round((time.perf_counter() - t0) * 1000, 2)

    def total(self) -> dict[str, float]:
        return {**self.ms, "total": round((time.perf_counter() - self._start) * 1000, 2)}


def validate_question(question: str, max_chars: int) -> str:
    """The question stripped, or InvalidQuestion: guardrails.text.question_problem is the one rule (bot and CLI)."""
    problem = question_problem(question, max_chars)
    if problem:
        raise InvalidQuestion(problem.message, hint=problem.hint)
    return question.strip()


def default_answerer(settings: Settings, embedder: Embedder | None = None) -> Answerer:
    if settings.llm:
        from workers.answerers.llm import ModelAnswerer

        return ModelAnswerer(settings)
    return ExtractiveAnswerer(embedder)


def _closest(passages: Sequence[Passage], n: int = 3) -> list[ClosestDoc]:
    out: list[ClosestDoc] = []
    seen: set[int] = set()
    for p in passages:
        if p.document_id not in seen:
            seen.add(p.document_id)
            out.append(ClosestDoc(p.label, p.link))
        if len(out) == n:
            break
    return out


_NEIGHBOURS_CACHE_S = 30.0


def _readable_shots(conn, version: PromptVersion, readable: Sequence[str]) -> PromptVersion:
    """The version without the few-shot demos made from what this question's readers may not read (a demo is a
    whole answer, sent to the model with every question): workers.access.demos_beyond."""
    sources = [s.source_interaction_id for s in version.few_shot if s.source_interaction_id]
    hidden = demos_beyond(conn, sources, readable) if sources else set()
    if not hidden:
        return version
    kept = [s for s in version.few_shot if s.source_interaction_id not in hidden]
    return version.model_copy(update={"few_shot": kept})


# What a reader cannot see but a screen or a terminal acts on: terminal escape sequences, control characters (a NUL
# also cannot be stored in Postgres) and the bidi overrides that reorder what is shown ("Trojan Source"). A draft
# loses them before it is checked, so the checked text is the text shown.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])")
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    return _INVISIBLE.sub("", _ANSI.sub("", text))


def _printable_draft(draft: Draft) -> Draft:
    citations = [Citation(c.chunk_id, printable(c.quote)) for c in draft.citations]
    return replace(draft, answer=printable(draft.answer), citations=citations)


def _below_gate(params: AnsweringParams, retrieval: Retrieval, assessment: Assessment) -> bool:
    if params.gate == "relevance":
        return retrieval.best_relevance < params.abstain_threshold
    return assessment.probability < params.answerability_threshold


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _one_model_budget(ask: Callable[Concatenate[Pipeline, _P], _R]) -> Callable[Concatenate[Pipeline, _P], _R]:
    """Every model call of one question (condensing, answering, the judge) shares ANSWERLOOP_LLM_ANSWER_BUDGET_S:
    a model that hangs or rate-limits gives the honest "I don't know" in time, not after minutes of silence."""

    @functools.wraps(ask)
    def within_budget(self: Pipeline, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not self.settings.llm:
            return ask(self, *args, **kwargs)
        from workers.answerers.llm import model_budget

        with model_budget(self.settings.llm_answer_budget_s):
            return ask(self, *args, **kwargs)

    return within_budget


class Pipeline:
    """One per process: heavy pieces (Presidio, the embedding model, the model client) load once."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        guard: PiiGuard | None = None,
        embedder: Embedder | None = None,
        answerer: Answerer | None = None,
        judge: GroundingJudge | None = None,
        database_url: str | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.guard = guard or guard_for(self.settings)
        inner = embedder or get_embedder(self.settings)
        self.embedder = inner if isinstance(inner, CachingEmbedder) else CachingEmbedder(inner)
        self.answerer = answerer or default_answerer(self.settings, self.embedder)
        # The optional model judge of grounding (ANSWERLOOP_GROUNDING_JUDGE): given, or the answerer when it is one.
        self.judge = (
            judge if judge is not None else self.answerer if isinstance(self.answerer, GroundingJudge) else None
        )
        self.condenser = default_condenser(self.settings, self.answerer)  # a thread follow-up's, with a model
        self.gate = AnswerabilityGate(self.embedder)
        self.reranker = make_reranker(
            self.settings.reranker, model=self.settings.reranker_model, api_key=self.settings.reranker_api_key
        )
        self.database_url = database_url
        # (labels team, collection, model) → (loaded at, the train-labelled questions): re-read every 30 s
        self._neighbours: dict[tuple, tuple[float, refit.NeighbourSet]] = {}

    @_one_model_budget
    def ask(
        self,
        question: str,
        collections: Sequence[str],
        *,
        source: str = "cli",
        interaction_id: uuid.UUID | None = None,
        version: PromptVersion | None = None,
        mode: Mode = "hybrid",
        record: bool = True,
        exclude_documents: Sequence[int] = (),
        team_id: str = "",
        thread: ThreadContext | None = None,
        asker: str = "",
        progress: ProgressFn | None = None,
        readable: Sequence[str] | None = None,
    ) -> AnswerResult:
        """`thread`: the Slack thread a follow-up was asked in; it is then asked as its standalone question.
        `asker`: the Slack user id, which decides whether a running canary's version answers (feedback.canary).
        `progress`: told when the search is done and when a draft's grounding check starts (live thinking steps).
        `readable`: the collections the answer's readers may read (default: those searched); a verified answer
        made from any other is never retrieved (workers.access.verified_beyond)."""
        question = validate_question(question, self.settings.max_question_chars)
        timer = _Timer()
        with timer.stage("guard_in"):
            redaction = self.guard.redact(question)
        asked = Standalone(redaction.text)
        if thread is not None:
            with timer.stage("condense"):
                asked = standalone_question(redaction.text, thread, self.condenser, redact=self._redacted)
        query_text = without_placeholders(asked.question)  # placeholders are not search terms
        # The connection is held for retrieval only, never while a model is thinking.
        with db.connection(self.database_url) as conn:
            version = version or serving_version(conn, team_id, asker)  # a canary's, the workspace's or the seed
            readable = collections if readable is None else readable
            hidden = verified_beyond(conn, collections, readable)
            exclude_documents = [*exclude_documents, *hidden]
            version = _readable_shots(conn, version, readable)
            if self.embedder.dim and query_text:  # never compare its vectors with another model's
                ensure_same_embedder(conn, collections, self.embedder.name)
            with timer.stage("embed"):
                vector = self.embedder.embed([query_text])[0] if self.embedder.dim and query_text else None
            with timer.stage("retrieve"):
                retrieval = (
                    retrieve(
                        conn,
                        query_text,
                        collections,
                        version.params,
                        vector,
                        mode=mode,
                        exclude_documents=exclude_documents,
                        reranker=self.reranker,
                    )
                    if query_text
                    else Retrieval()
                )
            with timer.stage("assess"):
                assessment = self.gate.assess(
                    conn,
                    query_text,
                    collections,
                    retrieval,
                    version.params.answerability_threshold,
                    version.params.answerability_shift,
                    version.params.answerability_offsets,
                    exclude_documents=exclude_documents,
                )
                nudge = self._neighbour_nudge(conn, version, assessment, vector)
                if nudge is not None:
                    assessment = nudge[0]
        tell(progress, Progress("retrieved", passages=len(retrieval.passages)))
        decision = self._answer(
            asked.question, query_text, vector, retrieval, assessment, version, timer, asked.turns, progress
        )
        draft, reason = decision.draft, decision.reason
        with timer.stage("guard_out"):
            answer_guard = self.guard.redact(draft.answer) if draft.answer else None
            quotes = [self.guard.redact(c.quote).text for c in draft.citations]
        result = self._assemble(
            interaction_id or uuid.uuid4(),
            redaction,
            retrieval,
            assessment,
            version,
            draft,
            quotes,
            answer_guard,
            decision.grounding,
            reason,
            question=asked.question,
        )
        if nudge is not None:
            result.scores["answerability_neighbours"] = nudge[1]
        if asked.usage:  # the condensing call's tokens count with the answer's (cost metrics, the record)
            result.scores["usage"] = add_usage(result.scores["usage"], asked.usage)
        # "total" is the time to the answer, the same figure stored and observed as a metric; the write
        # itself is reported beside it as the "record" stage (it cannot be inside the row it writes).
        result.timings_ms = timer.total()
        if record:
            with timer.stage("record"), db.connection(self.database_url) as conn:
                row = {**self._row(result, source, collections, result.timings_ms), "team_id": team_id}
                row.update(thread_link(thread, redaction.text, asked.by))
                record_interaction(conn, row)
                if vector is not None:  # of the redacted question: what labelled neighbours are found by
                    refit.store_question_vector(
                        conn, row["id"], team_id, assessment.collection, self.embedder.name, vector
                    )
            result.timings_ms = {**result.timings_ms, "record": timer.ms["record"]}
        log.info(
            "answered interaction=%s status=%s reason=%s ms=%s",
            result.interaction_id,
            result.status,
            reason,
            result.timings_ms["total"],
        )
        return result

    def _neighbour_nudge(
        self, conn, version: PromptVersion, assessment: Assessment, vector
    ) -> tuple[Assessment, dict[str, float]] | None:
        """The assessment moved by the labelled neighbours of the question (feedback/answerability_refit.py), when
        the version learned a pull for its collection: read from the train labels of the workspace whose labels the
        version was fitted on, and of that collection only."""
        pull = version.params.answerability_neighbours.get(assessment.collection or "")
        if not pull or vector is None or not assessment.features:
            return None
        team = version.team_id if version.team_id else labels_team(conn, "")
        key = (team, assessment.collection, self.embedder.name)
        now = time.monotonic()
        cached = self._neighbours.get(key)
        if cached is None or now - cached[0] > _NEIGHBOURS_CACHE_S:
            found = refit.labelled_neighbours(
                conn,
                team,
                assessment.collection or "",
                self.embedder.name,
                votes_need_approval=self.settings.feedback_votes_need_approval,
            )
            cached = (now, found)
            self._neighbours[key] = cached
        evidence, near = refit.pull_evidence(cached[1], vector, pull)
        logit = float(pull.get("strength", 0.0)) * evidence
        p = shifted(assessment.probability, logit)
        moved = replace(
            assessment,
            probability=round(p, 4),
            confidence=confidence(p, version.params.answerability_threshold),
            shift=round(assessment.shift + logit, 6),
        )
        return moved, {"evidence": round(evidence, 4), "near": near, "logit": round(logit, 4)}

    def _assemble(
        self,
        interaction_id: uuid.UUID,
        redaction: Redaction,
        retrieval: Retrieval,
        assessment: Assessment,
        version: PromptVersion,
        draft: Draft,
        quotes: list[str],
        answer_guard: Redaction | None,
        grounding: GroundingVerdict,
        reason: str,
        *,
        question: str,
    ) -> AnswerResult:
        closest = _closest(retrieval.passages)
        answered = reason == ""
        by_id = {p.chunk_id: p for p in retrieval.passages}
        citations = [
            CitationOut(
                c.chunk_id,
                by_id[c.chunk_id].document_title,
                by_id[c.chunk_id].shown_section,
                by_id[c.chunk_id].link,
                quotes[i],
                document_id=by_id[c.chunk_id].document_id,
                verified=by_id[c.chunk_id].verified,
                last_verified=by_id[c.chunk_id].last_verified,
            )
            for i, c in enumerate(draft.citations)
            if answered and c.chunk_id in by_id
        ]
        no_findings = Redaction(text="", ner=redaction.ner).verdict()  # no answer text was guarded
        guard: GuardVerdicts = {
            "pii_in": redaction.verdict(),
            "pii_out": answer_guard.verdict() if answer_guard else no_findings,
            "grounding": grounding,
        }
        if not answered and answer_guard:
            guard["draft"] = answer_guard.text  # kept for review; never shown as an answer
        scores: Scores = {
            "answerability": assessment.probability,
            "confidence": assessment.confidence,
            "answerability_threshold": version.params.answerability_threshold,
            "gate": version.params.gate,
            "signals": asdict(assessment.signals),
            "best_relevance": round(retrieval.best_relevance, 4),
            "abstain_threshold": version.params.abstain_threshold,
            "retrieved": len(retrieval.passages),
            "fts_hits": retrieval.fts_hits,
            "vector_hits": retrieval.vector_hits,
            "top": [
                {"chunk_id": p.chunk_id, "relevance": round(p.relevance, 4), "fused": round(p.fused, 5)}
                for p in retrieval.passages[:5]
            ],
            "usage": draft.usage,
        }
        scores["answerability_label_free"] = assessment.label_free
        scores["answerability_collection"] = assessment.collection
        scores["answerability_shift"] = assessment.shift
        scores["answerability_features"] = list(assessment.features)
        if draft.verified:
            scores["verified_similarity"] = draft.usage.get("verified_similarity")
        return AnswerResult(
            interaction_id=str(interaction_id),
            status="answered" if answered else "dont_know",
            answer=answer_guard.text if answered and answer_guard else dont_know_message(reason, closest),
            reason=reason,
            question_redacted=question,
            citations=citations,
            closest=[ClosestOut(title=d.title, link=d.link) for d in closest],
            guard=guard,
            scores=scores,
            prompt_version=version.id,
            answerer="verified" if draft.verified and answered else self.answerer.name,
            confidence="high" if draft.verified and answered else assessment.confidence,
        )

    def _row(self, result: AnswerResult, source: str, collections: Sequence[str], timings: dict) -> dict:
        return {
            "id": uuid.UUID(result.interaction_id),
            "source": source,
            "collections": list(collections),
            "question_redacted": result.question_redacted,
            "answer": result.answer,
            "status": result.status,
            "reason": result.reason,
            "answerer": result.answerer,
            "citations": [asdict(c) for c in result.citations],
            "closest": result.closest,
            "scores": result.scores,
            "guard": result.guard,
            "prompt_version_id": result.prompt_version,
            "timings_ms": timings,
        }

    def _verified_draft(
        self, query_text: str, query_vector, retrieval: Retrieval, threshold: float
    ) -> tuple[Draft, Passage] | None:
        """A retrieved verified answer whose question says what this one asks: it is the answer, whole."""
        verified = [p for p in retrieval.passages if p.verified]
        if not verified:
            return None
        if query_vector is not None and self.embedder.dim:
            vectors = self.embedder.embed([p.section_title for p in verified])
            sims = [float(v @ query_vector) for v in vectors]
        else:  # no embeddings: Dice overlap of the questions' content terms
            sims = [question_similarity(query_text, p.section_title) for p in verified]
        best, passage = max(zip(sims, verified, strict=True), key=lambda t: t[0])
        if best < threshold:
            return None
        draft = Draft(
            answer=passage.content,
            citations=[Citation(passage.chunk_id, passage.content)],
            usage={"verified_similarity": round(best, 4)},
            verified=True,
        )
        return draft, passage

    def _answer(
        self,
        question: str,
        query_text: str,
        query_vector,
        retrieval: Retrieval,
        assessment: Assessment,
        version: PromptVersion,
        timer: _Timer,
        conversation: Sequence[Turn] = (),
        progress: ProgressFn | None = None,
    ) -> Decision:
        """Gate, generate and ground: the draft, the grounding verdict and the dont_know reason ('' if ok)."""
        params = version.params
        with timer.stage("gate"):
            if not retrieval.passages:
                return Decision(Draft(answer="", can_answer=False), skipped(), "no_documents")
            verified = self._verified_draft(query_text, query_vector, retrieval, params.verified_threshold)
            if verified is None and _below_gate(params, retrieval, assessment):
                return Decision(Draft(answer="", can_answer=False), skipped(), "weak_retrieval")
        passages = [p for p in retrieval.passages if p.relevance >= params.abstain_threshold * 0.5]
        if verified is not None:
            draft, passage = verified
            passages = [passage]
        else:
            with timer.stage("generate"):
                draft = self.answerer.answer(question, passages, version, conversation)
        draft = _printable_draft(draft)
        if not draft.can_answer:
            return Decision(draft, skipped(), draft.decline_reason or "model_declined")
        tell(progress, Progress("checking", sources=len({c.chunk_id for c in draft.citations})))
        with timer.stage("ground"):
            report = check_grounding(
                draft.answer,
                [CitationRef(c.chunk_id, c.quote) for c in draft.citations],
                {p.chunk_id: p.content for p in passages},
                threshold=params.grounding_threshold,
                semantic=self._semantic_support if self.embedder.dim else None,
            )
            grounding = report.as_dict()
            if report.grounded and self.settings.grounding_judge and self.judge is not None:
                cited = {c.chunk_id for c in draft.citations}
                verdict = self.judge.judge(draft.answer, [p for p in passages if p.chunk_id in cited])
                if verdict is not None:
                    grounding["judge"] = verdict.model_dump()
                    if not verdict.supported:
                        grounding["verdict"] = "ungrounded"
                        grounding.setdefault("problems", []).append("the model judge found unsupported claims")
        grounding = self._redacted_verdict(grounding)
        if grounding["verdict"] != "grounded":
            return Decision(draft, grounding, "ungrounded")
        return Decision(draft, grounding, "")

    def _redacted_verdict(self, grounding: GroundingVerdict) -> GroundingVerdict:
        """The verdict as stored: its findings quote the draft and the passages (a claim issue names the value that
        differs; the model judge writes its own sentences), which may hold an address or a key — redacted like the
        answer, as everything an interaction stores is."""
        out: GroundingVerdict = {**grounding}
        for key in ("problems", "claim_issues"):
            if key in grounding:
                out[key] = [self._redacted(printable(t)) for t in grounding[key]]
        judge = grounding.get("judge")
        if judge and judge.get("unsupported_claims"):
            out["judge"] = {
                **judge,
                "unsupported_claims": [self._redacted(printable(str(c))) for c in judge["unsupported_claims"]],
            }
        return out

    def _redacted(self, text: str) -> str:
        return self.guard.redact(text).text

    def _semantic_support(self, sentence: str, passages: Sequence[str]) -> float:
        vectors = self.embedder.embed([sentence, *passages])
        return float(max(0.0, (vectors[1:] @ vectors[0]).max()))
