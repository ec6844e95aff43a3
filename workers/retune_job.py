"""Retuning and evaluation wired to the real pipeline: how `feedback.retune` answers and judges."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from core import db
from core.settings import Settings
from feedback.answerability_refit import backfill_question_vectors
from feedback.prompt_versions import DEFAULT_SCOPE, PromptVersion
from feedback.retune import JudgeFn, RetuneOptions, RetuneResult, evaluate, labels_team, retune
from feedback.scoring import Metrics, Outcome
from workers.access import readable_by_all
from workers.answerers.base import InstructionProposer, PairwiseJudge
from workers.pipeline import Pipeline

log = logging.getLogger(__name__)


def outcome_fn(pipeline: Pipeline):
    """Answer one (already redacted) question under a given version, recording nothing."""

    def answer(
        question: str, collections: Sequence[str], version: PromptVersion, exclude_documents: Sequence[int] = ()
    ) -> Outcome:
        result = pipeline.ask(
            question, collections, source="retune", version=version, record=False, exclude_documents=exclude_documents
        )
        return Outcome(
            status=result.status,
            answer=result.answer if result.status == "answered" else "",
            reason=result.reason,
            grounding=result.guard.get("grounding", {}).get("verdict", "skipped"),
            pii_out=bool(result.guard.get("pii_out", {}).get("found")),
            answerability=result.scores.get("answerability_label_free"),
            collection=result.scores.get("answerability_collection"),
            features=tuple(result.scores.get("answerability_features") or ()) or None,
        )

    return answer


def judge_fn(pipeline: Pipeline) -> JudgeFn | None:
    """The model's pairwise preference when a model answers; None offline (deterministic metrics decide)."""
    return pipeline.answerer.compare if isinstance(pipeline.answerer, PairwiseJudge) else None


def options_from(settings: Settings) -> RetuneOptions:
    return RetuneOptions(
        margin=settings.retune_margin,
        min_heldout=settings.retune_min_heldout,
        auto_promote=settings.retune_auto_promote,
        max_demos=settings.retune_max_demos,
        votes_need_approval=settings.feedback_votes_need_approval,
        model_answers=bool(settings.llm),
        canary_below=settings.retune_canary_below,
        canary_percent=settings.retune_canary_percent,
        promote_p=settings.retune_promote_p,
    )


def retune_scopes(conn) -> list[str]:
    """The scopes the periodic retune visits: every workspace installed through OAuth, each on its own labels;
    with none installed, the default scope (a bot-token install's one workspace)."""
    rows = conn.execute(
        "SELECT DISTINCT team_id FROM slack_installations WHERE team_id <> '' ORDER BY team_id"
    ).fetchall()
    return [r["team_id"] for r in rows] or [DEFAULT_SCOPE]


def run_retune(
    pipeline: Pipeline,
    *,
    actor: str = "retune",
    dry_run: bool = False,
    options: RetuneOptions | None = None,
    scope: str = DEFAULT_SCOPE,
) -> RetuneResult:
    options = options or options_from(pipeline.settings)
    if options.refit_neighbours:
        # Labels given before question vectors were stored (migration 0021) count as neighbours too. Derived data
        # of existing labels, written even on a dry run: it changes no version and no decision by itself.
        with db.connection(pipeline.database_url) as conn:
            stored = backfill_question_vectors(conn, labels_team(conn, scope), pipeline.embedder)
        if stored:
            log.info("retune: stored the vectors of %d earlier labelled questions (scope %s)", stored, scope)
    if options.propose_instructions is None and isinstance(pipeline.answerer, InstructionProposer):
        options = dataclasses.replace(options, propose_instructions=pipeline.answerer.propose_instructions)
    if options.shared_collections is None:  # instruction rewrites learn only from what everyone may read
        options = dataclasses.replace(options, shared_collections=readable_by_all)
    return retune(
        outcome_fn(pipeline),
        database_url=pipeline.database_url,
        judge_fn=judge_fn(pipeline),
        options=options,
        actor=actor,
        dry_run=dry_run,
        scope=scope,
    )


def run_eval(
    pipeline: Pipeline, version_id: int | None, *, actor: str = "cli", scope: str = DEFAULT_SCOPE
) -> tuple[int, Metrics, PromptVersion]:
    return evaluate(
        outcome_fn(pipeline),
        version_id,
        database_url=pipeline.database_url,
        actor=actor,
        votes_need_approval=pipeline.settings.feedback_votes_need_approval,
        scope=scope,
    )
