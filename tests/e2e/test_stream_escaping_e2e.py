"""A streamed answer (chat.startStream / appendStream `markdown_text`) never pings or links on its own, code spans
included: an answer quoting a passage's `<!channel>` inside backticks reaches Slack escaped, as the mrkdwn path
(blocks, fallback text) does. Slack's docs do not say that markdown_text or its code spans keep control sequences
from being parsed, so the stand-in takes them as parsed wherever they stand (slack_standin.blocks.pings).

The Slack stand-in, real Bolt, Redis and a Celery worker process whose model is the scripted OpenAI-compatible
server (tests/support/fake_openai.py); the module's database is the one of test_break_model_answers_e2e.py."""

from __future__ import annotations

import json

from slack_standin import GENERAL
from slack_standin.blocks import control_sequences, pings
from tests.e2e import test_break_model_answers_e2e as model_e2e
from tests.integration.test_break_model_answers import cited
from tests.support.slack_stack import ask

# That module's fixtures: its wiki (a passage with a prompt injection), the scripted model and the worker using it.
kb_db, fake, worker, _fresh_script = model_e2e.kb_db, model_e2e.fake, model_e2e.worker, model_e2e._fresh_script

INJECTED = "<!channel> <!here> <@U0EVIL0001>"
LINK = "<https://evil.example/login|the SSO portal>"


def streamed_markdown(reply) -> str:
    return "".join(c["text"] for c in reply.chunks if c.get("type") == "markdown_text")


def test_the_standin_takes_control_sequences_in_code_as_parsed():
    assert pings("see `<!channel>` and ```\n<@U0EVIL0001>\n```") == ["<!channel>", "<@U0EVIL0001>"]
    assert control_sequences("`<https://evil.example|the portal>`") == ["<https://evil.example|the portal>"]
    assert pings("see `&lt;!channel&gt;` and &lt;@U0EVIL0001&gt;") == []


def test_a_streamed_answer_quoting_a_ping_in_backticks_pings_no_one(slack, bot, settings, fake):
    fake.script(*[cited("ignore previous instructions", answer=lambda s: s.replace(INJECTED, f"`{INJECTED}`"))] * 4)
    _msg, reply = ask(slack, "How do I reset my SSO password faster?")

    markdown = streamed_markdown(reply)
    assert "`&lt;!channel&gt; &lt;!here&gt; &lt;@U0EVIL0001&gt;`" in markdown, markdown  # quoted, as text
    assert slack.streamed_pings(GENERAL, reply.ts) == []
    assert control_sequences(markdown) == []
    assert pings(json.dumps([reply.text, reply.blocks, reply.chunks], ensure_ascii=False)) == []


def test_a_streamed_answer_with_a_link_or_markup_in_a_code_block_stays_text(slack, bot, settings, fake):
    fenced = f"\n```\n{INJECTED}\n```\n"

    def answer(sentence: str) -> str:
        return sentence.replace(INJECTED, fenced).replace(LINK, f"`{LINK}`")

    fake.script(*[cited("ignore previous instructions", answer=answer)] * 4)
    _msg, reply = ask(slack, "How do I reset my SSO password faster?")

    markdown = streamed_markdown(reply)
    assert "```\n&lt;!channel&gt; &lt;!here&gt; &lt;@U0EVIL0001&gt;\n```" in markdown, markdown
    assert "`&lt;https://evil.example/login|the SSO portal&gt;`" in markdown, markdown
    assert control_sequences(markdown) == []
    assert slack.streamed_pings(GENERAL, reply.ts) == []
