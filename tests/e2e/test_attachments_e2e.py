"""Files attached to a question, end to end through the Slack stand-in (real Bolt, Redis, Celery worker, Postgres):
a snippet is read by the worker, redacted like the question and searched with; its secret and PII reach neither
Postgres, Redis nor the logs; a file that is too large, not text, or fails to download is named in a plain notice
and the question is still answered from its text."""

from __future__ import annotations

import json
import logging

import pytest

from slack_standin import BOT_USER_ID, GENERAL
from tests.support.pii_scan import RAW, all_text, redis_text
from tests.support.slack_stack import final, handbook_and_hr, rows

HR_DOC = "# Leave\n\n## Parental leave\n\nParental leave is 16 weeks at full pay.\n"

# A pasted log: what it is about is only in the file; the question alone says nothing ("what do I do?").
SNIPPET = f"""$ shipit promote web --env production
shipit: promote refused: deploy freeze in effect (freeze window)
shipit: a freeze exception is required, pass it with --exception
shipit: freeze exception approval: platform lead and on-call primary
notify: {RAW["email"]}
aws_access_key_id = {RAW["aws"]}
"""


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    return handbook_and_hr(database_url, local_embedder, tmp_path_factory.mktemp("hr"), "leave.md", HR_DOC)


def blob(message) -> str:
    return json.dumps([message.text, message.blocks, message.chunks], ensure_ascii=False)


def answer_to(slack, text: str, files: list) -> tuple:
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {text}", files=files)
    reply = slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=120, predicate=final)
    return msg, reply


def request_row(settings, ts: str) -> dict:
    [row] = rows(
        settings.database_url,
        "SELECT r.file_ids, r.status, i.question_redacted FROM slack_requests r "
        "JOIN interactions i ON i.id = r.interaction_id WHERE r.message_ts = %s",
        ts,
    )
    return row


def test_a_snippet_is_read_redacted_and_searched_with_and_its_secrets_are_nowhere(
    slack, bot, settings, worker, redis_url, caplog
):
    caplog.set_level(logging.DEBUG)
    snippet = slack.add_file("shipit-output.txt", SNIPPET, snippet=True)
    msg, reply = answer_to(slack, "what does this mean and what do I do?", [snippet])
    shown = blob(reply)
    assert "freeze exception" in reply.text.lower(), reply.text
    assert "I read `shipit-output.txt`" in shown and "searched with its key terms" in shown
    assert "an AWS access key" in shown and "an email address" in shown and "rotate it now" in shown
    loading = [m for status in slack.statuses(GENERAL, msg.ts) for m in status["loading_messages"]]
    assert "Reading the attached file…" in loading, "the worker's status says it reads the file"
    slack.wait_for(lambda: request_row(settings, msg.ts)["status"] == "delivered", timeout=10)
    row = request_row(settings, msg.ts)
    assert row["file_ids"] == [snippet.id], "the request keeps the file's id, never its content"
    assert "freeze" in row["question_redacted"] and "exception" in row["question_redacted"]
    assert [c for c in slack.calls("files.download") if c.args["file"] == snippet.id and c.http_status == 200]
    logged = "\n".join(rec.getMessage() for rec in caplog.records) + worker.log()
    for where, text in (("postgres", all_text(settings.database_url)), ("redis", redis_text(redis_url)),
                        ("logs", logged)):  # fmt: skip
        assert RAW["email"] not in text and RAW["aws"] not in text, f"raw value in {where}"
        assert "promote refused" not in text, f"the file's content in {where}"


def test_an_oversized_and_a_binary_file_get_a_plain_notice_and_the_question_is_answered(slack, bot, settings):
    huge = slack.add_file("huge.log", "paging alert\n" * 20_000)  # 260 kB of text
    image = slack.add_file("screenshot.png", bytes(range(256)) * 8)
    msg, reply = answer_to(slack, "What is the nightly hotel cap in London?", [huge, image])
    shown = blob(reply)
    assert "250" in reply.text
    assert "I did not read `huge.log`: it is 260 kB, and I read text files up to 100 kB" in shown
    assert "I did not read `screenshot.png`: it is not a text file (image/png)" in shown
    assert not [c for c in slack.calls("files.download") if c.args["file"] in (huge.id, image.id)], "never fetched"
    assert "paging" not in request_row(settings, msg.ts)["question_redacted"]


def test_a_failed_download_is_named_and_the_question_still_answered_from_its_text(slack, bot):
    notes = slack.add_file("notes.md", "# trip\nhotel booking for the London offsite\n")
    slack.fail_file_download(notes.id, 503)
    _, reply = answer_to(slack, "What is the nightly hotel cap in London?", [notes])
    assert "250" in reply.text
    assert "I did not read `notes.md`: I could not download it from Slack (HTTP 503)" in blob(reply)


def test_a_file_shared_in_a_dm_is_a_question_with_its_file(slack, bot, settings):
    """In a DM the question arrives as a `message` with subtype file_share (no app_mention)."""
    policy = slack.add_file("trip.txt", "London offsite: booking the hotel, nightly cap?\n")
    msg = slack.send_dm("What is the nightly hotel cap?", files=[policy])
    reply = slack.wait_for_bot_reply(msg.channel, msg.ts, timeout=120, predicate=final)
    assert "250" in reply.text and "I read `trip.txt`" in blob(reply)
    [row] = rows(settings.database_url, "SELECT kind, file_ids FROM slack_requests WHERE message_ts = %s", msg.ts)
    assert row == {"kind": "dm", "file_ids": [policy.id]}
