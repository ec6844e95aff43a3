"""The model answerer: any instructor provider, a typed answer whose citations must be retrieved chunks."""

from __future__ import annotations

import contextvars
import datetime
import email.utils
import json
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, Literal

from instructor.core import AsyncValidationError, InstructorRetryException, ResponseParsingError
from pydantic import BaseModel, Field, ValidationError, ValidationInfo, model_validator
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from core.errors import ConfigError
from core.settings import Settings
from feedback.demos import most_similar
from feedback.instruction_candidates import FeedbackCase
from feedback.prompt_versions import PromptVersion
from guardrails.followup import Turn
from guardrails.text import normalize_space
from workers.answerers.base import Citation, Draft
from workers.answerers.condense import conversation_messages
from workers.retrieval import Passage

log = logging.getLogger(__name__)


class CitedQuote(BaseModel):
    chunk_id: int = Field(description="The id of a passage given above, e.g. 1234.")
    quote: str = Field(description="Words copied exactly from that passage that support the answer.")


class ModelAnswer(BaseModel):
    """Answer to the question from the given passages only."""

    can_answer: bool = Field(description="False when the passages do not contain the answer.")
    answer: str = Field(description="The answer, in a few short sentences. Empty when can_answer is false.")
    citations: list[CitedQuote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _citations_are_retrieved_and_verbatim(self, info: ValidationInfo) -> ModelAnswer:
        passages: dict[int, str] = (info.context or {}).get("passages", {})
        if not self.can_answer:
            return self
        if not self.answer.strip():
            raise ValueError("can_answer is true but the answer is empty")
        if not self.citations:
            raise ValueError("cite at least one passage id that supports the answer")
        for c in self.citations:
            if c.chunk_id not in passages:
                raise ValueError(
                    f"chunk_id {c.chunk_id} is not one of the passages given; use only ids {sorted(passages)}"
                )
            if c.quote and normalize_space(c.quote).lower() not in normalize_space(passages[c.chunk_id]).lower():
                raise ValueError(
                    f"the quote for chunk_id {c.chunk_id} is not copied verbatim from that passage; "
                    "copy the exact words"
                )
        return self


class PairwiseVerdict(BaseModel):
    """Which of two answers better matches the reference answer a teammate approved."""

    better: Literal["A", "B", "tie"] = Field(description="A, B, or tie when they are equally good or equally bad.")
    reason: str = Field(default="", description="One short sentence.")


class InstructionRewrites(BaseModel):
    """New answering instructions, each a complete replacement of the current ones."""

    rewrites: list[str] = Field(description="Complete instructions, one per item, each different from the others.")


_REWRITE_SYSTEM = (
    "You improve the system instructions of a team's documentation assistant from the feedback its answers got. "
    "Read the current instructions and the cases the team said went wrong (a rejected answer and why, a refusal "
    "that should have been an answer, a correction the team approved). Write complete replacement instructions "
    "that would have avoided those failures without overfitting to their topics. Every rewrite must keep these "
    "rules: answer only from the passages given; cite the id of each passage used with words copied exactly from "
    "it; set can_answer to false when the passages do not answer the question. Keep each rewrite under 300 words."
)


def _case_text(i: int, case: FeedbackCase) -> str:
    lines = [f"Case {i}: question: {case.question}", f"  the team wanted: {case.expected}"]
    if case.answer_given:
        lines.append(f"  the answer given: {case.answer_given}")
    if case.correction:
        lines.append(f"  the approved correction: {case.correction}")
    if case.reasons:
        lines.append(f"  why it was rejected: {', '.join(case.reasons)}")
    return "\n".join(lines)


class GroundingJudgement(BaseModel):
    """Whether every claim of the answer is supported by the passages."""

    supported: bool
    unsupported_claims: list[str] = Field(default_factory=list)


# ----------------------------------------------------------------------------------------------- the model budget


class ModelBudgetSpent(Exception):
    """The question's model budget (ANSWERLOOP_LLM_ANSWER_BUDGET_S) ran out before this call could be made."""


class ModelBudget:
    """One question's model time: every model call made while it is current gets only what is left of it.

    The clock starts at the question's first model call (guarding and retrieval before it are not model time)
    and runs on through everything after it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None

    def left(self) -> float:
        if self.deadline is None:
            self.deadline = time.monotonic() + self.seconds
        return self.deadline - time.monotonic()


_budget: contextvars.ContextVar[ModelBudget | None] = contextvars.ContextVar("model_budget", default=None)


@contextmanager
def model_budget(seconds: float) -> Iterator[ModelBudget]:
    """Every model call of the block (condensing, answering, re-asks, the judge) shares one budget of `seconds`."""
    budget = ModelBudget(seconds)
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


# Re-asked by instructor with what was wrong (the output was not a valid answer): the errors instructor itself
# re-asks on when given a number of retries (its private _RETRYABLE_PARSE_ERRORS in 1.17), by their public names.
# ResponseParsingError: no tool call / unparsable reply; AsyncValidationError: an async validator's verdict.
_INVALID_OUTPUT: tuple[type[Exception], ...] = (
    ValidationError,
    json.JSONDecodeError,
    ResponseParsingError,
    AsyncValidationError,
)


def _retry_after(exc: BaseException) -> float | None:
    """Seconds a provider asked to wait (retry-after-ms, or retry-after in seconds or as an HTTP date), None when
    it did not say."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        try:
            value = float(raw) * scale
        except (TypeError, ValueError):
            value = _seconds_until(raw) if name == "retry-after" else math.nan
        if math.isfinite(value) and value >= 0:
            return value
    return None


def _seconds_until(http_date: object) -> float:
    """Seconds from now until an HTTP date (Retry-After's other form, RFC 9110); NaN when it is not one."""
    if not isinstance(http_date, str):
        return math.nan
    try:
        when = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return math.nan
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max((when - datetime.datetime.now(datetime.UTC)).total_seconds(), 0.0)


def _transient(exc: BaseException | None) -> bool:
    """Whether calling again can help: a timeout, an unreachable server, 408/409/429 or a 5xx."""
    if exc is None:
        return False
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    name = type(exc).__name__
    if status is None and "Timeout" not in name and "Connection" not in name:
        return False
    if status is not None and status not in (408, 409, 429) and status < 500:
        return False  # bad request, auth, not found: the same call fails again
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    return str(headers.get("x-should-retry", "")).lower() != "false"


def _cause(exc: BaseException | None) -> BaseException | None:
    """The provider's error, which instructor wraps in InstructorRetryException."""
    return exc.__cause__ if isinstance(exc, InstructorRetryException) else exc


def _failure(retry_state: RetryCallState) -> BaseException | None:
    """What failed the model call this retry state is about."""
    outcome = retry_state.outcome
    return _cause(outcome.exception() if outcome is not None else None)


class _ProviderWait(wait_base):
    """The wait the provider asked for (Retry-After), else exponential back-off: 0.5, 1, 2, 4, then 8 s."""

    backoff = wait_exponential(multiplier=0.5, max=8)

    def __call__(self, retry_state: RetryCallState) -> float:
        failure = _failure(retry_state)
        asked = None if failure is None else _retry_after(failure)
        return asked if asked is not None else self.backoff(retry_state)


class _WaitOutlastsBudget(stop_base):
    """Stop rather than wait when the wait would leave the next attempt none of the question's budget — or,
    outside a question (the retune), when it is longer than one call's timeout: a Retry-After of minutes is not
    worth waiting for. Computes the wait itself: tenacity before 8.3 stops before it waits."""

    def __init__(self, wait: wait_base, budget: ModelBudget | None, timeout_s: float) -> None:
        self.wait, self.budget, self.timeout_s = wait, budget, timeout_s

    def __call__(self, retry_state: RetryCallState) -> bool:
        wait = self.wait(retry_state)
        room = self.budget.left() if self.budget is not None else self.timeout_s
        if wait < room:
            return False
        failure = _failure(retry_state)
        log.warning(
            "model call failed (%s); its retry in %.1f s would outlast the %s",
            type(failure).__name__,
            wait,
            "model budget" if self.budget is not None else "model timeout",
        )
        return True


class _BudgetSpent(stop_base):
    """Stop instructor's re-asks of invalid output once the question's budget is spent."""

    def __init__(self, budget: ModelBudget | None) -> None:
        self.budget = budget

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.budget is not None and self.budget.left() <= 0


def _log_retry(retry_state: RetryCallState) -> None:
    sleep = retry_state.next_action.sleep if retry_state.next_action is not None else 0.0
    log.info("model call failed (%s): retrying in %.1f s", type(_failure(retry_state)).__name__, sleep)


def _transient_retries(settings: Settings, budget: ModelBudget | None) -> Retrying:
    """The one policy for transient failures: `llm_max_retries` retries, each after the wait the provider asked
    for (or a back-off), made only when that wait leaves the next attempt some of the budget."""
    wait = _ProviderWait()
    return Retrying(
        retry=retry_if_exception(lambda exc: _transient(_cause(exc))),
        wait=wait,
        stop=stop_after_attempt(max(settings.llm_max_retries, 0) + 1)
        | _WaitOutlastsBudget(wait, budget, settings.llm_timeout_s),
        before_sleep=_log_retry,
        reraise=True,
    )


def _reasks(reasks: int, budget: ModelBudget | None) -> Retrying:
    """instructor's re-asks of invalid output (it adds what was wrong to the messages): `reasks` of them, none
    once the budget is spent."""
    return Retrying(
        stop=stop_after_attempt(max(reasks, 0) + 1) | _BudgetSpent(budget),
        retry=retry_if_exception_type(_INVALID_OUTPUT),
        reraise=True,
    )


class _BudgetedCompletions:
    """`chat.completions` of an instructor client whose calls keep to the current question's model budget.

    The provider SDK's own retries are off (build_client): they would wait out a 429's Retry-After of up to a
    minute and give every retry a full timeout. Transient failures (timeouts, 429, 5xx) are retried here instead
    (`_transient_retries`), each attempt with what is left of the budget as its timeout; instructor re-asks
    invalid output within an attempt (`_reasks`). Its re-asks reuse the attempt's timeout (instructor gives no way
    to change it between them), so a re-ask started late can outlast the budget by up to that timeout."""

    def __init__(self, inner: Any, settings: Settings) -> None:
        self._inner = inner
        self._settings = settings

    def create(self, **kwargs: Any) -> Any:
        return self._call(self._inner.create, kwargs)

    def create_with_completion(self, **kwargs: Any) -> Any:
        return self._call(self._inner.create_with_completion, kwargs)

    def _call(self, create: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        budget = _budget.get()
        reasks = int(kwargs.pop("max_retries", 1))
        messages = kwargs.pop("messages")

        def attempt() -> Any:
            timeout = self._settings.llm_timeout_s
            if budget is not None:
                left = budget.left()
                if left <= 0:
                    raise ModelBudgetSpent(f"the model budget of {budget.seconds:g} s is spent")
                timeout = min(timeout, left)
            return create(
                **kwargs,
                messages=list(messages),  # instructor appends its re-asks to the list it is given
                timeout=timeout,
                max_retries=_reasks(reasks, budget),
            )

        return _transient_retries(self._settings, budget)(attempt)


class BudgetedClient:
    """An instructor client whose `chat.completions` calls keep to the question's model budget."""

    def __init__(self, inner: Any, settings: Settings) -> None:
        self.inner = inner
        self.chat = SimpleNamespace(completions=_BudgetedCompletions(inner.chat.completions, settings))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _sdk_retries_off(client: Any, provider: str) -> None:
    """Turn off the provider SDK's own retries on the client instructor built (BudgetedClient retries instead).

    The SDKs generated like OpenAI's read their public `max_retries` attribute at each request, so setting it
    reaches the clients instructor builds without taking our arguments: the OpenAI client of openai, databricks,
    ollama, deepseek, together, anyscale, perplexity, openrouter and azure_openai (tested), and the clients of
    anthropic, groq, cerebras and writer (same generator; not installed here, so not tested). The rest have no
    such attribute and instructor 1.17 builds them with the api key only, so their retries stay as the SDK
    defaults them: bedrock (botocore retries by default; instructor passes boto3 no `config`), cohere (retries by
    default, off only per request), mistral, google/gemini/vertexai, fireworks, xai and litellm (to our knowledge
    no retries unless configured). There each SDK retry gets the timeout of the attempt, which is never more than
    what was left of the budget when it started, so a call can overrun the budget by those retries."""
    sdk: Any = getattr(client, "client", None)
    if isinstance(getattr(sdk, "max_retries", None), int):
        sdk.max_retries = 0
    else:
        log.info("the %s SDK client keeps its own retries (it has no max_retries to turn off)", provider)


def build_client(settings: Settings):
    if not settings.llm:
        raise ConfigError("No model configured.", hint="Set ANSWERLOOP_LLM, e.g. openai/gpt-4o-mini.")
    import instructor

    # The SDK's own retries are turned off on the built client (_sdk_retries_off), not passed as `max_retries`:
    # most providers' builders would make that a default argument of every create call.
    provider = settings.llm.split("/", 1)[0]
    kwargs: dict = {"timeout": settings.llm_timeout_s}
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    if settings.llm_api_key:
        kwargs["api_key"] = settings.llm_api_key
    elif settings.llm_base_url:
        kwargs["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore it
    try:
        inner = instructor.from_provider(settings.llm, **kwargs)
    except Exception as exc:
        raise ConfigError(
            f"Cannot set up the model {settings.llm!r}: {exc}",
            hint="Check ANSWERLOOP_LLM (provider/model), ANSWERLOOP_LLM_BASE_URL and the API key.",
        ) from exc
    if "base_url" in (getattr(inner, "kwargs", None) or {}):
        # instructor builds this provider's client without it and would send it as an argument of every call
        raise ConfigError(
            f"The model provider {provider!r} does not take ANSWERLOOP_LLM_BASE_URL: it would be ignored and "
            "break every call.",
            hint="Unset ANSWERLOOP_LLM_BASE_URL, or for an OpenAI-compatible server set ANSWERLOOP_LLM=openai/<model>.",
        )
    _sdk_retries_off(inner, provider)
    return BudgetedClient(inner, settings)


def _passages_block(passages: list[Passage]) -> str:
    return "\n\n".join(f"[passage id={p.chunk_id}] {p.label}\n{p.content}" for p in passages)


def build_messages(
    question: str, passages: list[Passage], version: PromptVersion, conversation: Sequence[Turn] = ()
) -> list[dict]:
    """System instructions, the few-shot examples, a thread's earlier turns (a follow-up's conversation), then
    the passages and the question."""
    messages: list[dict] = [{"role": "system", "content": version.instructions}]
    shots = version.few_shot
    if version.params.few_shot_mode == "similar":
        shots = most_similar(question, shots, version.params.few_shot_k)
    for shot in shots:
        messages.append({"role": "user", "content": f"Question: {shot.question}"})
        messages.append({"role": "assistant", "content": shot.answer})
    messages.extend(conversation_messages(conversation))
    messages.append({"role": "user", "content": f"Passages:\n\n{_passages_block(passages)}\n\nQuestion: {question}"})
    return messages


def usage_of(completion) -> dict:
    """The token counts a provider reported for a completion ({} when it reported none)."""
    usage = getattr(completion, "usage", None)
    if usage is None:
        return {}
    return {k: getattr(usage, k, None) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


class ModelAnswerer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = build_client(settings)
        self.name = f"model:{settings.llm}"

    def answer(
        self, question: str, passages: list[Passage], version: PromptVersion, conversation: Sequence[Turn] = ()
    ) -> Draft:
        passages = passages[: version.params.context_k]
        try:
            result, completion = self.client.chat.completions.create_with_completion(
                response_model=ModelAnswer,
                messages=build_messages(question, passages, version, conversation),
                max_retries=self.settings.llm_max_retries,
                temperature=version.params.temperature,
                context={"passages": {p.chunk_id: p.content for p in passages}},
            )
        except InstructorRetryException as exc:
            attempts = getattr(exc, "n_attempts", None)
            # instructor wraps every failure, network ones included: only invalid output means "ungrounded".
            if isinstance(exc.__cause__, ValidationError | ValueError):
                log.warning("model answer failed validation after %s attempts", attempts)
                return Draft(answer="", can_answer=False, decline_reason="ungrounded", usage={"attempts": attempts})
            log.warning("model call failed: %s", type(exc.__cause__).__name__)
            return Draft(answer="", can_answer=False, decline_reason="model_error", usage={"attempts": attempts})
        except Exception as exc:  # network, auth, provider errors: say so honestly, never crash the pipeline
            log.warning("model call failed: %s", type(exc).__name__)
            return Draft(answer="", can_answer=False, decline_reason="model_error")
        if not result.can_answer:
            return Draft(answer="", can_answer=False, decline_reason="model_declined", usage=usage_of(completion))
        return Draft(
            answer=result.answer.strip(),
            citations=[Citation(c.chunk_id, c.quote) for c in result.citations],
            usage=usage_of(completion),
        )

    def judge(self, answer: str, passages: list[Passage]) -> GroundingJudgement | None:
        """Optional model-based grounding check; None when the judge itself fails."""
        try:
            return self.client.chat.completions.create(
                response_model=GroundingJudgement,
                messages=[
                    {
                        "role": "system",
                        "content": "You check answers against source passages. A claim is "
                        "supported only if a passage states it. Reply with the claims that are not supported.",
                    },
                    {
                        "role": "user",
                        "content": f"Passages:\n\n{_passages_block(passages)}\n\nAnswer:\n{answer}",
                    },
                ],
                max_retries=1,
                temperature=0,
            )
        except Exception as exc:
            log.warning("grounding judge failed: %s", type(exc).__name__)
            return None

    def propose_instructions(self, instructions: str, cases: Sequence[FeedbackCase], n: int) -> list[str]:
        """Up to `n` rewrites of the instructions from the train split's failures (all text already redacted);
        [] when the model fails, so the retune goes on without them."""
        cases_text = "\n\n".join(_case_text(i, c) for i, c in enumerate(cases, start=1))
        try:
            result = self.client.chat.completions.create(
                response_model=InstructionRewrites,
                messages=[
                    {"role": "system", "content": _REWRITE_SYSTEM},
                    {
                        "role": "user",
                        "content": f"Current instructions:\n{instructions}\n\nWhat went wrong:\n\n{cases_text}\n\n"
                        f"Write {n} different rewrites.",
                    },
                ],
                max_retries=1,
                temperature=0.7,
            )
        except Exception as exc:
            log.warning("instruction rewrites failed: %s", type(exc).__name__)
            return []
        return [r for r in result.rewrites if r.strip()][:n]

    def compare(self, question: str, reference: str, answer_a: str, answer_b: str) -> str | None:
        """Pairwise judgement for retuning: 'A', 'B' or 'tie'; None when the judge itself fails."""
        try:
            verdict = self.client.chat.completions.create(
                response_model=PairwiseVerdict,
                messages=[
                    {
                        "role": "system",
                        "content": "You compare two answers to a question against a reference answer that the "
                        "team approved. The better answer states what the reference states, correctly and "
                        "without unsupported additions. Say tie when neither is better.",
                    },
                    {
                        "role": "user",
                        "content": f"Question: {question}\n\nReference answer:\n{reference}\n\n"
                        f"Answer A:\n{answer_a}\n\nAnswer B:\n{answer_b}",
                    },
                ],
                max_retries=1,
                temperature=0,
            )
            return verdict.better
        except Exception as exc:
            log.warning("pairwise judge failed: %s", type(exc).__name__)
            return None
