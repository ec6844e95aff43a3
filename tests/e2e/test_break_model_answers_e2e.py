"""Break-it review of "no unverified text is ever shown", end to end with a model configured: the Slack stand-in,
real Bolt, Redis and a Celery worker process whose model is the scripted OpenAI-compatible server of this module
(tests/support/fake_openai.py). What Slack was sent — every version of the reply, its streamed chunks and blocks —
is checked for pings, disguised links and text the documents do not give."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from core import db
from core.settings import Settings
from slack_standin import GENERAL
from tests.conftest import SAMPLE_KB, reset_database
from tests.integration.test_break_model_answers import SIGN_IN_DOC, WIKI_DOC, cited
from tests.support import services
from tests.support.fake_openai import FakeOpenAI, http_error
from tests.support.slack_stack import ask, rows, worker_env
from workers.kb.ingest import ingest_folder

HOTEL_FACT = "250 euros per night"
_LIVE = re.compile(r"<[!@#][^>]*>|<https?://[^>]*>")  # what Slack turns into a ping, a mention or a link


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory) -> str:
    """The handbook and a wiki with a prompt injection and a disguised link, both searched in #general."""
    with db.connect(database_url) as conn:
        reset_database(conn)
        conn.commit()
    wiki = tmp_path_factory.mktemp("wiki")
    (wiki / "sso-password-resets.txt").write_text(WIKI_DOC)
    (wiki / "sso-sign-in.txt").write_text(SIGN_IN_DOC)
    settings = Settings(database_url=database_url, embeddings="local")
    with db.connect(database_url) as conn:
        for root, name in ((SAMPLE_KB / "handbook", "handbook"), (wiki, "wiki")):
            assert ingest_folder(conn, root, name, embedder=local_embedder, settings=settings).failed == []
        conn.execute(
            "INSERT INTO channel_settings (team_id, channel_id, collections) "
            "VALUES ('T0STANDIN1', %s, '{handbook,wiki}')",
            (GENERAL,),
        )
        conn.commit()
    return database_url


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_script(fake):
    fake.reset()
    yield
    assert fake.script_errors == [], "a scripted reply raised inside the fake server"


@pytest.fixture(scope="module")
def worker(settings, fake):
    """The module's worker answers with the scripted model (overrides tests/support/slack_stack.py's)."""
    env = worker_env(
        settings,
        ANSWERLOOP_LLM="openai/gpt-4o-mini",
        ANSWERLOOP_LLM_BASE_URL=fake.base_url,
        ANSWERLOOP_LLM_API_KEY="test",
        ANSWERLOOP_LLM_MAX_RETRIES="1",
    )
    w = services.Worker(env, queues="answer,ingest").start()
    yield w
    w.stop()


def everything_sent(reply) -> str:
    """Every text of the reply Slack was given: each version, the streamed chunks, the final blocks."""
    return json.dumps([reply.text, reply.blocks, reply.chunks, reply.history], ensure_ascii=False)


def live_sequences(reply, allowed: tuple[str, ...] = ()) -> list[str]:
    return [s for s in _LIVE.findall(everything_sent(reply)) if not s.startswith(allowed)]


def test_a_model_repeating_an_injected_passage_pings_no_one(slack, bot, settings, fake):
    fake.script(*[cited("ignore previous instructions")] * 4)
    _msg, reply = ask(slack, "How do I reset my SSO password faster?")

    assert fake.chat_requests, "the model was asked"
    sent = everything_sent(reply)
    assert "&lt;!channel&gt;" in sent, "the passage's words are shown as text"
    assert live_sequences(reply) == [], "no ping, mention or link the answer text formed"
    assert "Sources" in sent


def test_a_made_up_link_in_a_supported_answer_is_never_posted(slack, bot, settings, fake):
    # one supported sentence with a link inside it: most of its words are the passage's
    fake.script(
        *[cited(HOTEL_FACT, answer=lambda s: f"{s[:-1]} ([the travel portal](https://evil.example/book)).")] * 4
    )
    _msg, reply = ask(slack, "What is the hotel cost cap per night in London?")

    sent = everything_sent(reply)
    assert "evil.example" not in sent and "travel portal" not in sent
    assert "I don't know" in reply.text
    [row] = rows(
        settings.database_url,
        "SELECT status, reason FROM interactions WHERE source = 'slack' ORDER BY created_at DESC LIMIT 1",
    )
    assert (row["status"], row["reason"]) == ("dont_know", "ungrounded")


def test_a_link_titled_with_another_address_is_posted_with_the_address_it_opens(slack, bot, settings, fake):
    fake.script(*[cited("badge number")] * 4)
    _msg, reply = ask(slack, "How do I sign in to the SSO portal?")

    sent = everything_sent(reply)
    assert "evil.example/login" in sent, reply.text
    titled = re.findall(r"<https?://[^|>]*\|[^>]*>|\[[^\]]*\]\(https?://[^)]*\)", sent)
    assert not [t for t in titled if "northwind.com" in t and "evil.example" in t], titled


def test_a_model_rate_limited_on_every_call_gets_an_honest_i_dont_know(slack, bot, settings, fake):
    fake.script(*[http_error(429)] * 20)
    _msg, reply = ask(slack, "What is the hotel cost cap per night in London?")

    assert fake.chat_exchanges and all(e.status == 429 for e in fake.chat_exchanges)
    assert "I don't know" in reply.text and "couldn't produce a checked answer" in reply.text
    assert HOTEL_FACT not in everything_sent(reply)
