"""A very long answer through Slack's streaming API. Slack takes at most 12,000 characters of `markdown_text` per
chat.appendStream / chat.stopStream call and a message's text holds at most 40,000 characters (`msg_too_long`); a
streamed message is a message, so the stand-in refuses an append or a stop that would take it past that. An answer
longer than one streamed message holds (many citations, long extractive text, a long verified answer) is cut cleanly
— at a line or a word, never inside a link, a code span, an escaped character or an open code block — says that it
was cut, and keeps its sources. The delivery code of workers/tasks.py against the Slack stand-in and a real Postgres."""

from __future__ import annotations

import re

from core.settings import get_settings
from slack_standin import GENERAL
from tests.integration import test_break_delivery_placeholder as placeholder_tests
from tests.integration.test_break_delivery_placeholder import _claimed, _row
from tests.support.standin_fixtures import api_error
from workers.pipeline import CitationOut
from workers.slack.blocks import STREAM_TEXT, streamed_answer
from workers.slack.live import open_live_stream
from workers.slack.mrkdwn import FENCE, cut_markdown
from workers.tasks import _deliver

# That module's fixture: the stand-in, with the worker's settings pointed at it and the test database.
slack = placeholder_tests.slack

_MD_LINK = re.compile(r"\[[^\]\n]+\]\(https?://[^\s)]+\)")


def _long_answer(paragraphs: int = 250) -> str:
    """Markdown the way documents write it: links, bold, code, escaped characters, a code block now and then."""
    out = []
    for i in range(paragraphs):
        out.append(
            f"Step {i}: read [the travel policy, part {i}](https://docs.example.com/travel/{i}#hotels) and keep "
            f"**the receipt & the invoice** under `expenses/{i}` — a cap of 180 EUR < 200 EUR per night."
        )
        if i % 10 == 3:
            out.append(f"```\nrate = {i} * nights  # <!channel> never pings\nrate > cap\n```")
    return "\n\n".join(out)


def _citations(n: int) -> list[CitationOut]:
    url = "https://docs.example.com/travel/{}"
    return [CitationOut(i, f"Travel policy {i}", "Hotels", url.format(i), "q") for i in range(1, n + 1)]


def test_the_standin_refuses_a_stream_past_a_messages_text_limit(slack):
    client = slack.web_client()
    question = slack.post_message(GENERAL, "How long can a streamed answer be?")
    user = question.user
    ts = client.chat_startStream(
        channel=GENERAL, thread_ts=question.ts, recipient_user_id=user, recipient_team_id=slack.team_id
    )["ts"]
    for _ in range(4):  # 40,000 characters: what a message's text holds
        client.chat_appendStream(channel=GENERAL, ts=ts, markdown_text="x" * 10_000)

    assert api_error(lambda: client.chat_appendStream(channel=GENERAL, ts=ts, markdown_text="y")) == "msg_too_long"
    assert api_error(lambda: client.chat_stopStream(channel=GENERAL, ts=ts, markdown_text="y")) == "msg_too_long"
    client.chat_stopStream(channel=GENERAL, ts=ts)  # what was streamed stands
    msg = slack.message(GENERAL, ts)
    assert msg is not None and len(msg.text) == 40_000 and "y" not in msg.text


def test_a_very_long_streamed_answer_is_cut_cleanly_and_keeps_its_sources(slack):
    request = _claimed(slack, "stream")
    live = open_live_stream(slack.web_client(), request.key, user_id=request.user_id, collections=1)
    assert live is not None
    result = placeholder_tests._result(_long_answer(), _citations(12))
    stream = streamed_answer(result, pii={}, expert=None, collections=1)

    _deliver(get_settings(), request, stream.text, stream.blocks, status="delivered", stream=stream, opened=True)

    row = _row(request.key)
    assert (row["status"], row["delivery"], row["error"] or "") == ("delivered", "stream", ""), row
    refused = [c.error for c in slack.calls() if c.error]
    assert refused == [], refused
    msg = slack.message(GENERAL, live.ts)
    assert msg is not None and not slack.is_streaming(GENERAL, live.ts)
    text = msg.text
    assert len(text) <= STREAM_TEXT, len(text)
    assert text.rstrip().endswith("Follow the sources for the rest._"), text[-200:]
    body = text[: text.rindex("_…")]
    assert body.count(FENCE) % 2 == 0, body[-300:]  # no code block left open
    assert "](" not in _MD_LINK.sub("", body), body[-300:]  # no link cut open
    assert re.search(r"&(?!amp;|lt;|gt;)", body) is None, body[-300:]  # no escaped character cut in two
    assert body.count("`") % 2 == 0 and body.count("**") % 2 == 0, body[-300:]
    shown = str(msg.blocks)
    for i in (1, 12):  # every source listed under the cut answer
        assert f"<https://docs.example.com/travel/{i}|Travel policy {i} › Hotels>" in shown, i


def test_a_cut_never_falls_inside_a_link_a_code_span_or_an_escape():
    link = "[the very long title of the travel policy](https://docs.example.com/travel/hotels#cap)"
    for text in (
        "word " * 30 + link + " tail",
        "word " * 30 + "`a code span with spaces inside it` tail",
        "word " * 30 + "&amp;" * 40,
        "x" * 400,
        "intro\n```\n" + "line of code\n" * 40 + "```\nafter",
    ):
        for limit in range(60, 260, 7):
            cut = cut_markdown(text, limit)
            assert len(cut) <= limit and text.startswith(cut.removesuffix(f"\n{FENCE}")), (limit, cut)
            assert cut.count(FENCE) % 2 == 0 and cut.count("`") % 2 == 0, (limit, cut)
            assert "](" not in _MD_LINK.sub("", cut) and "[the very" not in _MD_LINK.sub("", cut), (limit, cut)
            assert re.search(r"&(?!amp;)", cut) is None, (limit, cut)
    assert cut_markdown("short", 100) == "short"
    # A link longer than what is kept is cut rather than the whole answer dropped.
    assert len(cut_markdown("[" + "word " * 100 + "](https://docs.example.com/a) more", 120)) > 60
