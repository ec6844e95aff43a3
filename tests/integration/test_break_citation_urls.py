"""Document addresses come from user-supplied files and web crawls: they may hold tabs, line breaks, spaces, `|`,
`<`, `>` or quotes. In Slack's `<url|title>` each of those would end the link early or break it, so a citation — and
a closest document of an "I don't know" — links to the address percent-encoded: the link Slack parses opens the
whole address (decoded, the very one the document came from, but for whitespace around it), an address already
percent-encoded is left as it is.
Posted through slack_sdk to the Slack stand-in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from slack_standin import GENERAL, SlackStandin
from slack_standin.blocks import control_sequences
from tests.integration import test_break_delivery_placeholder as placeholder_tests
from workers.pipeline import AnswerResult, CitationOut
from workers.slack.blocks import answer_message
from workers.slack.mrkdwn import link

HOSTILE = [
    "https://wiki.example.com/Travel\tPolicy/hotels",
    "https://wiki.example.com/Travel\nPolicy",
    'https://wiki.example.com/a page|<b>bold</b>?q="x"&r=1',
    "https://wiki.example.com/r\u00e9sum\u00e9 {draft}\\v2^`x`\r\n",
]


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        yield standin


def _links(text: str) -> list[tuple[str, str]]:
    """(address, title) of each titled link Slack parses in `text`, the address as Slack's client opens it."""
    out = []
    for seq in control_sequences(text):
        url, _, title = seq[1:-1].partition("|")
        out.append((unquote(url.replace("&amp;", "&")), title))
    return out


def _posted_blocks(slack: SlackStandin, result: AnswerResult) -> list[dict]:
    """The answer's blocks as Slack holds them once posted (validated by the stand-in)."""
    text, blocks = answer_message(result, pii={}, expert=None)
    msg = slack.message(GENERAL, slack.web_client().chat_postMessage(channel=GENERAL, text=text, blocks=blocks)["ts"])
    assert msg is not None and msg.blocks is not None
    return msg.blocks


def _sections(slack: SlackStandin, result: AnswerResult) -> list[str]:
    return [b["text"]["text"] for b in _posted_blocks(slack, result) if b["type"] == "section"]


def test_every_citation_link_opens_its_whole_address(slack):
    citations = [CitationOut(i, f"Doc {i}", "Part", url, "q") for i, url in enumerate(HOSTILE, start=1)]
    blocks = _posted_blocks(slack, placeholder_tests._result("The hotel cap is 180 EUR per night.", citations))
    shown = "\n".join(e["text"] for b in blocks if b["type"] == "context" for e in b["elements"])
    assert _links(shown) == [(url.strip(), f"Doc {i} › Part") for i, url in enumerate(HOSTILE, start=1)], shown


def test_every_closest_document_link_opens_its_whole_address(slack):
    result = placeholder_tests._result("I don't know.", [])
    result.status, result.reason = "dont_know", "weak_retrieval"
    result.closest = [{"title": f"Doc {i}", "link": url} for i, url in enumerate(HOSTILE, start=1)]
    shown = "\n".join(_sections(slack, result))
    assert _links(shown) == [(url.strip(), f"Doc {i}") for i, url in enumerate(HOSTILE, start=1)], shown


def test_an_encoded_address_is_not_encoded_twice():
    assert link("https://docs.example.com/a%20b?x=1&y=%7C#top", "Doc") == (
        "<https://docs.example.com/a%20b?x=1&amp;y=%7C#top|Doc>"
    )


def test_a_long_answer_is_never_cut_inside_an_escaped_character(slack):
    # &amp; &lt; &gt; and no space: cut between characters
    sections = _sections(slack, placeholder_tests._result("R&D&QA<teams>" * 600))
    assert len(sections) > 1
    for text in sections:
        assert re.search(r"&(?!amp;|lt;|gt;)", text) is None and not re.search(r"&(amp|lt|gt)$", text), text[-20:]
        assert not re.match(r"^(amp|lt|gt)?;", text), text[:20]


def test_a_link_longer_than_a_section_is_shown_by_its_title_never_cut_open(slack):
    huge = "https://wiki.example.com/search?q=" + "a" * 4000
    for markdown in (f"[The search page]({huge}) says so.", "See " * 20 + f"[The search page]({huge}) too."):
        sections = _sections(slack, placeholder_tests._result(markdown))
        shown = "\n".join(sections)
        for text in sections:
            assert text.count("<") == text.count(">"), text[:80]
        assert "The search page" in shown and "aaaa" not in shown, shown[:200]
