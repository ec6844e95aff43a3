"""Links in an answer's text that Markdown writes with parentheses in the address (Wikipedia's `Foo_(bar)`, many
wikis' page names): the link Slack shows opens the whole address, in blocks and in a stream, never a cut one that
ends before the parenthesis closes. Posted through slack_sdk to the Slack stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slack_standin import GENERAL, SlackStandin
from slack_standin.blocks import control_sequences
from tests.integration import test_break_delivery_placeholder as placeholder_tests
from workers.pipeline import AnswerResult, CitationOut
from workers.slack.blocks import answer_message, streamed_answer

WIKI = "https://en.wikipedia.org/wiki/Mercury_(planet)"
ANSWER = f"Read [the planet page]({WIKI}) first, then [its orbit]({WIKI}#Orbit_(and_rotation))."


def _result() -> AnswerResult:
    return placeholder_tests._result(ANSWER, [CitationOut(1, "Planets", "Mercury", WIKI, "q")])


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        yield standin


def test_a_link_with_parentheses_in_its_address_opens_the_whole_address(slack):
    text, blocks = answer_message(_result(), pii={}, expert=None)
    ts = slack.web_client().chat_postMessage(channel=GENERAL, text=text, blocks=blocks)["ts"]
    msg = slack.message(GENERAL, ts)
    assert msg is not None
    body = msg.blocks[0]["text"]["text"]
    assert control_sequences(body) == [f"<{WIKI}|the planet page>", f"<{WIKI}#Orbit_(and_rotation)|its orbit>"], body
    assert body.endswith("|its orbit>."), body


def test_a_streamed_link_with_parentheses_keeps_its_address(slack):
    stream = streamed_answer(_result(), pii={}, expert=None, collections=1)
    assert f"[the planet page]({WIKI}) first" in "".join(stream.pieces)
    assert f"[its orbit]({WIKI}#Orbit_(and_rotation))." in "".join(stream.pieces)


def test_a_citation_whose_link_is_too_long_for_slack_is_never_shown_cut(slack):
    long_url = "https://docs.example.com/search?" + "filter=team&" * 180  # &amp; makes it longer still
    result = _result()
    result.citations[:] = [
        CitationOut(1, "Search results", "Everything", long_url, "q"),
        CitationOut(2, "Planets", "Mercury", WIKI, "q"),
    ]
    text, blocks = answer_message(result, pii={}, expert=None)
    ts = slack.web_client().chat_postMessage(channel=GENERAL, text=text, blocks=blocks)["ts"]
    msg = slack.message(GENERAL, ts)
    assert msg is not None
    [sources] = [b for b in msg.blocks if b["type"] == "context" and "*Sources*" in b["elements"][0]["text"]]
    shown = "\n".join(e["text"] for e in sources["elements"])
    for element in sources["elements"]:
        assert element["text"].count("<") == element["text"].count(">"), element["text"][-80:]
    assert "1. Search results › Everything" in shown, shown[:200]
    assert f"2. <{WIKI}|Planets › Mercury>" in shown
