"""Block Kit replies: Slack's limits, the text fallback, the "I don't know" layout and the PII notice."""

from __future__ import annotations

import json

from workers.pipeline import AnswerResult, CitationOut
from workers.slack.blocks import MAX_BLOCKS, SECTION_LIMIT, answer_message, failure_message, pii_notice


def _answer(text: str, n_citations: int = 2) -> AnswerResult:
    cites = [
        CitationOut(i, f"Doc {i}", "Setup", f"https://docs.example.com/d{i}#setup", "quote") for i in range(n_citations)
    ]
    return AnswerResult("id", "answered", text, "", "q", citations=cites)


def test_long_answers_split_within_slack_limits_with_a_full_text_fallback():
    sentence = "Deploys go out from the release branch after the canary is green for thirty minutes. "
    text, blocks = answer_message(_answer(sentence * 400), pii={}, expert=None)  # ~34k characters
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) > 10 and len(blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in sections)
    assert text.startswith(sentence.strip()) and len(text) <= 40_000
    assert "".join(b["text"]["text"] for b in sections).replace(" ", "") == (sentence * 400).replace(" ", "")


def test_citations_are_links_and_markup_in_answers_is_escaped():
    text, blocks = answer_message(_answer("Use <b> & <!channel> carefully."), pii={}, expert=None)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text  # nor can its notification text
    blob = json.dumps(blocks, ensure_ascii=False)
    assert "<https://docs.example.com/d0#setup|Doc 0 › Setup>" in blob and "d1#setup" in blob
    assert "&lt;!channel&gt;" in blob and "<!channel>" not in blob  # an answer can't ping the channel
    assert "Click 👍 or 👎 below (or react :+1: or :-1:)" in blob


def test_every_answer_ends_with_native_feedback_buttons_with_a_fresh_block_id():
    from slack_standin.blocks import validate_blocks
    from workers.slack.blocks import FEEDBACK_ACTION, private_answer_message

    dont_know = AnswerResult("id", "dont_know", "I don't know. Nothing covers this.", "weak_retrieval", "q")
    long_answer = _answer("Deploys go out from the release branch. " * 2000)
    seen = set()
    for result in (_answer("Yes."), dont_know, long_answer):
        _, blocks = answer_message(result, pii={"found": True, "entities": {"JWT": 1}, "secrets": []}, expert=None)
        last = blocks[-1]
        assert last["type"] == "context_actions" and len(blocks) <= MAX_BLOCKS
        (element,) = last["elements"]
        assert element["type"] == "feedback_buttons" and element["action_id"] == FEEDBACK_ACTION
        assert (element["positive_button"]["value"], element["negative_button"]["value"]) == ("up", "down")
        assert validate_blocks(blocks) == []  # what Slack (the stand-in) accepts
        assert "rotate" not in json.dumps(blocks[-1]) and "removed" in json.dumps(blocks[-3])  # notice kept
        seen.add(last["block_id"])
    assert len(seen) == 3, "a fresh block_id per message"
    _, private = private_answer_message(_answer("Yes."))
    assert all(b["type"] != "context_actions" for b in private), "no buttons on an ephemeral answer"


def test_dont_know_lists_closest_documents_and_names_the_expert():
    result = AnswerResult(
        "id", "dont_know", "I don't know. Nothing in the documents covers this.", "weak_retrieval", "q",
        closest=[{"title": "On-call", "link": "https://wiki/on-call"}, {"title": "Local", "link": "docs/a.md#x"}],
    )  # fmt: skip
    text, blocks = answer_message(result, pii={}, expert="<@U0BOB>")
    assert blocks[0]["type"] == "header" and "I don't know" in blocks[0]["text"]["text"]
    blob = json.dumps(blocks, ensure_ascii=False)
    assert "<https://wiki/on-call|On-call>" in blob and "Local (`docs/a.md#x`)" in blob
    assert "You could ask <@U0BOB>." in blob and "<@U0BOB>" in text


def test_pii_notice_names_kinds_never_values_and_asks_to_rotate_secrets():
    assert pii_notice({"found": False}) is None
    notice = pii_notice({"found": True, "entities": {"EMAIL_ADDRESS": 1, "PHONE_NUMBER": 2}, "secrets": []})
    assert "an email address" in notice and "a phone number" in notice and "rotate" not in notice
    secret = pii_notice({"found": True, "entities": {"AWS_ACCESS_KEY": 1}, "secrets": ["AWS_ACCESS_KEY"]})
    assert "an AWS access key" in secret and "rotate it now" in secret
    text, blocks = answer_message(_answer("Yes."), pii={"found": True, "entities": {"JWT": 1}, "secrets": ["JWT"]},
                                  expert=None)  # fmt: skip
    assert text.startswith(":lock:") and "rotate it now" in json.dumps(blocks)


def test_failure_message_says_what_to_do():
    text, blocks = failure_message("Slack kept refusing the reply")
    assert "couldn't produce an answer" in text and "ask again" in text and blocks[0]["text"]["text"] == text


def test_demo_terminal_rendering_of_mrkdwn():
    from cli.slack_chat import render_blocks

    _, blocks = answer_message(_answer("Pages escalate after *10 minutes* &amp; more."), pii={}, expert=None)
    shown = render_blocks(blocks, "fallback")
    assert "Sources\n1. Doc 0 › Setup (https://docs.example.com/d0#setup)" in shown
    assert "10 minutes" in shown and "*" not in shown.split("Was this")[0]


def test_a_streamed_answer_is_steps_then_the_checked_text_then_the_final_blocks():
    from slack_standin.blocks import validate_blocks
    from workers.slack.blocks import STREAM_PIECE, streamed_answer

    long = "Deploys go out from the release branch after the canary is green.\n" * 400  # ~27k characters
    pii = {"found": True, "entities": {"EMAIL_ADDRESS": 1}, "secrets": []}
    stream = streamed_answer(_answer(long), pii=pii, expert=None, collections=3)
    assert [s["type"] for s in stream.steps] == ["plan_update", "task_update", "task_update"]
    assert "Searched 3 collections" in json.dumps(stream.steps) and "against 2 sources" in json.dumps(stream.steps)
    text = "".join(stream.pieces)
    assert text.startswith(":lock: I removed an email address") and text.endswith(long.strip() + "\n")
    assert all(len(p) <= STREAM_PIECE <= 12_000 for p in stream.pieces), "within chat.appendStream's limit"
    assert [b["type"] for b in stream.final_blocks] == ["context", "context", "context_actions"]  # sources, hint
    assert "Sources" in json.dumps(stream.final_blocks) and "removed" not in json.dumps(stream.final_blocks)
    assert validate_blocks(stream.final_blocks) == [] and len(stream.final_blocks) <= MAX_BLOCKS
    # The same answer as one message, for the chat.update fallback.
    assert stream.blocks[-1]["type"] == "context_actions" and validate_blocks(stream.blocks) == []
