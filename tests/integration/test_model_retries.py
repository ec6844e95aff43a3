"""Who retries a failed model call: only the model client (workers/answerers/llm.py), within the question's model
budget — never the provider SDK as well (its retries would wait out a long Retry-After and give every retry a full
timeout, outside the budget).

The real instructor client built by `build_client`, against the scripted OpenAI-compatible server
(tests/support/fake_openai.py). Only the providers whose SDK is installed here can be built; every one of them
talks to the OpenAI SDK, whatever instructor names it.
"""

from __future__ import annotations

import email.utils
import threading
import time

import openai
import pytest
from instructor.core import InstructorRetryException

from core.errors import ConfigError
from tests.conftest import make_settings
from tests.support import model_fixtures
from tests.support.fake_openai import Completion, FakeOpenAI, HttpError, http_error, judgement
from tests.support.model_fixtures import within
from workers.answerers.llm import GroundingJudgement, build_client, model_budget

UNUSED_DB = "postgresql://unused@127.0.0.1:1/unused"  # these tests make no database call

# Providers instructor builds on the OpenAI SDK, the one provider SDK installed here.
OPENAI_SDK_PROVIDERS = [
    "openai/gpt-4o-mini",
    "databricks/dbrx-instruct",
    "ollama/llama3.1",
    "deepseek/deepseek-chat",
    "together/meta-llama/Llama-3-8b-chat-hf",
    "anyscale/mistralai/Mixtral-8x7B-Instruct-v0.1",
    "perplexity/sonar",
    "openrouter/openai/gpt-4o-mini",
    "azure_openai/gpt-4o-mini",
]


fake, _fresh_script = model_fixtures.fake, model_fixtures.fresh_script


def judge(client, max_retries: int = 0):
    return client.chat.completions.create(
        response_model=GroundingJudgement,
        messages=[{"role": "user", "content": "Passages:\n\nnone\n\nAnswer:\nnothing"}],
        max_retries=max_retries,
        temperature=0,
    )


# Providers whose client instructor builds at a fixed address (or from AZURE_OPENAI_ENDPOINT): no base URL.
FIXED_ADDRESS = {"perplexity/sonar", "azure_openai/gpt-4o-mini"}


@pytest.mark.parametrize("llm", OPENAI_SDK_PROVIDERS)
def test_the_sdk_client_built_for_any_provider_makes_no_retries_of_its_own(llm, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "http://127.0.0.1:1")  # azure_openai's builder needs one
    base_url = None if llm in FIXED_ADDRESS else "http://127.0.0.1:1/v1"
    settings = make_settings(UNUSED_DB, llm=llm, llm_api_key="dummy", llm_base_url=base_url)

    client = build_client(settings)

    sdk = client.inner.client
    assert sdk.max_retries == 0, f"{llm}: the {type(sdk).__name__} SDK client still retries {sdk.max_retries} times"


@pytest.mark.parametrize("llm", sorted(FIXED_ADDRESS))
def test_a_base_url_the_provider_would_ignore_is_a_configuration_error(llm, monkeypatch):
    # instructor leaves the base URL of these providers among the arguments of every call: the client was built
    # for the provider's own address, and each call would fail on an unexpected argument.
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "http://127.0.0.1:1")
    settings = make_settings(UNUSED_DB, llm=llm, llm_api_key="dummy", llm_base_url="http://127.0.0.1:1/v1")

    with pytest.raises(ConfigError) as refused:
        build_client(settings)

    assert "ANSWERLOOP_LLM_BASE_URL" in str(refused.value) and "openai/" in (refused.value.hint or "")


def test_a_provider_whose_builder_ignores_max_retries_still_calls_the_model_only_as_often_as_we_retry(fake):
    # instructor builds ollama's OpenAI client itself (base_url yes, max_retries no): before, its SDK retried every
    # 500 twice on top of our retries — 3 requests per attempt, each with a full timeout, outside the budget.
    fake.script(*[http_error(500)] * 12)
    settings = make_settings(UNUSED_DB, llm="ollama/llama3.1", llm_base_url=fake.base_url, llm_max_retries=1)
    client = build_client(settings)

    with model_budget(20), pytest.raises(InstructorRetryException) as failed:
        judge(client)

    assert isinstance(failed.value.__cause__, openai.InternalServerError)

    assert [e.status for e in fake.chat_exchanges] == [500, 500]  # the first call and our one retry


def test_a_provider_whose_builder_ignores_max_retries_still_answers(fake):
    fake.script(http_error(503), judgement(True))
    settings = make_settings(UNUSED_DB, llm="ollama/llama3.1", llm_base_url=fake.base_url, llm_max_retries=1)

    with model_budget(20):
        verdict = judge(build_client(settings))

    assert verdict.supported is True
    assert [e.status for e in fake.chat_exchanges] == [503, 200]


def openai_client(fake: FakeOpenAI, **overrides):
    return build_client(
        make_settings(UNUSED_DB, llm="openai/gpt-4o-mini", llm_base_url=fake.base_url, llm_api_key="test", **overrides)
    )


def test_a_reply_without_the_tool_call_is_re_asked_like_invalid_output(fake):
    # instructor raises ResponseParsingError (not a pydantic ValidationError) when the model ignores the tool.
    fake.script(Completion("The hotel cap is 250 euros."), judgement(True))

    with model_budget(20):
        verdict = judge(openai_client(fake), max_retries=1)

    assert verdict.supported is True
    assert [e.status for e in fake.chat_exchanges] == [200, 200]
    assert len(fake.chat_requests[1].messages) > len(fake.chat_requests[0].messages)  # the re-ask says what failed


def test_malformed_arguments_are_re_asked(fake):
    fake.script('{"supported": tru', judgement(False, ["the cap"]))

    with model_budget(20):
        verdict = judge(openai_client(fake), max_retries=1)

    assert verdict.unsupported_claims == ["the cap"]
    assert len(fake.chat_exchanges) == 2


def test_every_error_instructor_itself_re_asks_on_is_re_asked_here_too():
    """A drift alarm for instructor upgrades: its own list is private, ours names the public exceptions."""
    from workers.answerers.llm import _INVALID_OUTPUT

    retry = pytest.importorskip("instructor.v2.core.retry")
    theirs = getattr(retry, "_RETRYABLE_PARSE_ERRORS", None)
    if theirs is None:
        pytest.skip("this instructor keeps no _RETRYABLE_PARSE_ERRORS: compare by hand")
    assert set(theirs) <= set(_INVALID_OUTPUT)


# ----------------------------------------------------------------------------------------------- transient failures


def judged_within(limit: float, client, budget_s: float | None, **kwargs) -> tuple[object, float]:
    """(the verdict or the exception it raised, seconds taken); fails without waiting when it takes over `limit`."""

    def call() -> object:
        if budget_s is None:
            return judge(client, **kwargs)
        with model_budget(budget_s):
            return judge(client, **kwargs)

    return within(limit, call)


def assert_gave_up(result: object, status: int) -> None:
    assert isinstance(result, InstructorRetryException), result
    assert getattr(result.__cause__, "status_code", None) == status, repr(result.__cause__)


def test_transient_failures_are_retried_llm_max_retries_times(fake):
    fake.script(*[http_error(500)] * 6)

    result, _ = judged_within(15, openai_client(fake, llm_max_retries=2), budget_s=10)

    assert_gave_up(result, 500)
    assert [e.status for e in fake.chat_exchanges] == [500, 500, 500]


def test_a_transient_failure_then_an_answer(fake):
    fake.script(http_error(502), http_error(429), judgement(True))

    result, _ = judged_within(15, openai_client(fake, llm_max_retries=2), budget_s=10)

    assert getattr(result, "supported", None) is True, result
    assert [e.status for e in fake.chat_exchanges] == [502, 429, 200]


def test_a_bad_request_is_not_retried(fake):
    fake.script(*[http_error(400)] * 3)

    result, _ = judged_within(15, openai_client(fake, llm_max_retries=2), budget_s=10)

    assert_gave_up(result, 400)
    assert len(fake.chat_exchanges) == 1


def test_without_retry_after_the_wait_backs_off_and_is_made_only_when_it_fits(fake):
    bare = HttpError(503, "overloaded", "server_error", {})  # no retry hint: our back-off (0.5 s, then 1 s)
    fake.script(bare, judgement(True))
    result, elapsed = judged_within(15, openai_client(fake, llm_max_retries=2), budget_s=10)
    assert getattr(result, "supported", None) is True, result
    assert elapsed >= 0.5
    assert [e.status for e in fake.chat_exchanges] == [503, 200]

    fake.reset()
    fake.script(bare, judgement(True))
    result, _ = judged_within(15, openai_client(fake, llm_max_retries=2), budget_s=0.4)
    assert_gave_up(result, 503)  # the 0.5 s back-off does not fit in what is left of 0.4 s
    assert len(fake.chat_exchanges) == 1


def test_a_retry_after_date_longer_than_the_budget_is_not_waited_for(fake):
    # Retry-After may be an HTTP date (RFC 9110); before, it was not understood and retried after 0.5 s.
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    fake.script(*[HttpError(429, "rate limited", "rate_limit_error", {"retry-after": later})] * 3)

    result, elapsed = judged_within(15, openai_client(fake, llm_max_retries=2), budget_s=3)

    assert_gave_up(result, 429)
    assert len(fake.chat_exchanges) == 1
    assert elapsed < 2


def test_outside_a_question_a_long_retry_after_is_not_waited_for_either(fake):
    # No model budget (the retune's judge and rewrites): before, a Retry-After of 120 s was slept, twice.
    fake.script(*[HttpError(429, "rate limited", "rate_limit_error", {"retry-after": "120"})] * 3)

    result, elapsed = judged_within(15, openai_client(fake, llm_max_retries=2, llm_timeout_s=10), budget_s=None)

    assert_gave_up(result, 429)
    assert len(fake.chat_exchanges) == 1
    assert elapsed < 5


def test_outside_a_question_a_short_retry_after_is_waited_for(fake):
    fake.script(HttpError(429, "rate limited", "rate_limit_error", {"retry-after": "0.3"}), judgement(True))

    result, elapsed = judged_within(15, openai_client(fake, llm_max_retries=2), budget_s=None)

    assert getattr(result, "supported", None) is True, result
    assert elapsed >= 0.3
    assert [e.status for e in fake.chat_exchanges] == [429, 200]


# ----------------------------------------------------------------------------------------------- a known limit


def test_a_late_re_ask_outlasts_the_budget_by_at_most_the_timeout_its_call_started_with(fake):
    """instructor gives every re-ask of one call the timeout the call started with (it offers no way to change it
    between re-asks), so a re-ask started late can outlast the budget — by what was left when the call started,
    never by the configured model timeout (60 s here, which would keep the asker waiting on a hung model)."""
    release = threading.Event()

    def slow_invalid(request) -> str:
        time.sleep(1.6)
        return '{"supported": "maybe"}'

    def hang(request) -> dict:
        release.wait(30)
        return judgement(True)

    fake.script(slow_invalid, hang)
    try:
        _, elapsed = judged_within(15, openai_client(fake, llm_timeout_s=60), budget_s=2.0, max_retries=1)
    finally:
        release.set()

    assert len(fake.chat_exchanges) == 2  # it was re-asked
    assert elapsed < 2 * 2.0 + 0.8, f"the re-ask ran {elapsed - 2.0:.1f} s past the budget of 2 s"
