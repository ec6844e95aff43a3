"""Long answers with code, lists and links, and many citations, posted through unmodified slack_sdk to the Slack
stand-in, whose Block Kit validation is Slack's: every block and text within Slack's limits, code blocks whole in
every section, links never cut, citation links not unfurled, and the same answer streamed."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from slack_standin import GENERAL, SlackStandin
from workers.pipeline import AnswerResult, CitationOut
from workers.slack.blocks import answer_message, private_answer_message, streamed_answer
from workers.slack.mrkdwn import FENCE
from workers.tasks import NO_UNFURLS

STEP = "Run `shipit promote` for [the service](https://docs.example.com/deploy?step={i}&env=prod), **then** wait."


def long_answer(sections: int = 200) -> str:
    parts = []
    for i in range(sections):
        code = "\n".join(f'echo "step {i}.{j} <ok>" && make deploy-{j}' for j in range(12))
        parts.append(f"## Step {i}\n\n- {STEP.format(i=i)}\n- check the *dashboard*\n\n```bash\n{code}\n```\n")
    return "\n".join(parts)


def result(answer: str, citations: int) -> AnswerResult:
    return AnswerResult(
        interaction_id="00000000-0000-0000-0000-000000000001",
        status="answered",
        answer=answer,
        reason="",
        question_redacted="how do I deploy?",
        citations=[
            CitationOut(i, f"Deploying guide {i} | part", f"Section {i} <b>", f"https://docs.example.com/d/{i}#s", "q")
            for i in range(citations)
        ],
        confidence="high",
    )


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        yield standin


def test_a_long_answer_with_many_citations_is_accepted_whole_by_slacks_validation(slack):
    answer = long_answer()
    assert len(answer) > 120_000
    notes = [":warning: I did not read `huge.log`: it is 260 kB, and I read text files up to 100 kB."]
    text, blocks = answer_message(result(answer, citations=300), pii={}, expert=None, notes=notes)
    resp = slack.web_client().chat_postMessage(channel=GENERAL, text=text, blocks=blocks, **NO_UNFURLS)
    assert resp["ok"]
    msg = slack.message(GENERAL, resp["ts"])
    assert msg is not None and (msg.unfurl_links, msg.unfurl_media) == (False, False)
    assert len(msg.blocks) == 50 and len(msg.text) <= 40_000 and "Step 99" not in msg.text
    sections = [b["text"]["text"] for b in msg.blocks if b["type"] == "section"]
    assert all(len(s) <= 3000 and s.count(FENCE) % 2 == 0 for s in sections), "code blocks closed in every section"
    assert sections[-1].startswith("_… the answer is cut here"), "a cut answer says so"
    assert sections[0].startswith("*Step 0*\n\n• Run `shipit promote` for <https://docs.example.com/deploy?step=0")
    assert "&amp;env=prod|the service>, *then* wait." in sections[0] and '"step 0.0 &lt;ok&gt;"' in sections[0]
    [sources] = [b for b in msg.blocks if b["type"] == "context" and "*Sources*" in b["elements"][0]["text"]]
    assert len(sources["elements"]) <= 10 and sources["elements"][-1]["text"].startswith("… and ")
    for element in sources["elements"]:
        assert len(element["text"]) <= 2000 and element["text"].count("<") == element["text"].count(">")
    assert (
        "<https://docs.example.com/d/0#s|Deploying guide 0 ¦ part › Section 0 &lt;b&gt;>"
        in sources["elements"][0]["text"]
    )
    assert any("huge.log" in b["elements"][0]["text"] for b in msg.blocks if b["type"] == "context")
    assert msg.blocks[-1]["type"] == "context_actions"


def test_the_same_answer_streams_within_the_limits_and_ends_with_valid_blocks(slack):
    client = slack.web_client()
    parent = slack.post_message(GENERAL, "how do I deploy?")
    stream = streamed_answer(result(long_answer(20), citations=40), pii={}, expert=None, collections=2)
    ts = client.chat_startStream(
        channel=GENERAL, thread_ts=parent.ts, recipient_user_id="U0ALICE001", recipient_team_id=slack.team_id,
        chunks=stream.steps,
    )["ts"]  # fmt: skip
    for piece in stream.pieces:
        assert client.chat_appendStream(channel=GENERAL, ts=ts, markdown_text=piece)["ok"]
    assert client.chat_stopStream(channel=GENERAL, ts=ts, blocks=stream.final_blocks)["ok"]
    msg = slack.message(GENERAL, ts)
    assert msg is not None
    streamed = "".join(c.get("text", "") for c in msg.chunks if c["type"] == "markdown_text")
    assert "[the service](https://docs.example.com/deploy?step=3&amp;env=prod)" in streamed
    # code streamed as written, & < > escaped like everywhere else (Slack may parse <!channel> inside code)
    assert '```bash\necho "step 3.0 &lt;ok&gt;" &amp;&amp; make deploy-0' in streamed
    assert msg.blocks[-1]["type"] == "context_actions"


def test_i_dont_know_with_many_closest_documents_keeps_whole_links():
    dont_know = AnswerResult(
        interaction_id="00000000-0000-0000-0000-000000000002",
        status="dont_know",
        answer="I don't know.",
        reason="no_passage",
        question_redacted="q",
        closest=[
            {"title": f"Document {i} › a long section title " * 3, "link": f"https://x.io/{i}"} for i in range(80)
        ],
    )
    _, blocks = answer_message(dont_know, pii={}, expert=None)
    [closest] = [b for b in blocks if b["type"] == "section" and "Closest documents" in b["text"]["text"]]
    text = closest["text"]["text"]
    assert len(text) <= 3000 and text.count("<") == text.count(">") and text.rstrip().endswith(">")


def test_a_long_private_answer_keeps_its_hint_within_fifty_blocks(slack):
    text, blocks = private_answer_message(result(long_answer(), citations=30))
    resp = slack.web_client().chat_postEphemeral(channel=GENERAL, user="U0ALICE001", text=text, blocks=blocks)
    assert resp["ok"] and len(blocks) == 50
    assert blocks[0]["text"]["text"].startswith(":lock:") and "improve this answer" in json.dumps(blocks[-1]).lower()
