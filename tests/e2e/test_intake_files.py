"""The listener side of attachments (real Postgres, the Slack stand-in through slack_sdk): a question with files is
recorded with their ids only — the intake never calls files.info nor downloads a file — and a file shared with no
question gets a plain word instead of a search."""

from __future__ import annotations

import pytest

from bot import payload
from bot.intake import Intake, Question
from core import db
from core.settings import Settings
from slack_standin import ALICE, BOT_USER_ID, GENERAL, SlackStandin
from workers.slack.store import RequestKey

TEAM = "T0STANDIN1"


@pytest.fixture()
def stand_in():
    with SlackStandin() as slack:
        yield slack


def _take(slack, guard, url, text: str, files: list) -> tuple[str, str, list]:
    sent: list = []
    settings = Settings(database_url=url, slack_bot_token=slack.bot_token, slack_api_url=slack.web_api_url)
    intake = Intake(settings, guard, lambda key, priority: sent.append(key), url)
    msg = slack.post_message(GENERAL, text, files=files)
    [mention] = slack.deliveries(event_type="app_mention", ts=msg.ts)
    event = mention.event or {}
    q = Question(RequestKey(TEAM, GENERAL, msg.ts), msg.ts, ALICE, "mention", event["text"], payload.file_ids(event))
    return intake.receive(q, slack.web_client()), msg.ts, sent


def test_a_question_with_files_is_stored_with_their_ids_and_nothing_is_read(clean_db, stand_in, pii_guard):
    log = stand_in.add_file("app.log", "ERROR maria.garcia@northwind-customer.com could not deploy\n")
    snippet = stand_in.add_file("q.py", "print('hi')", snippet=True)
    outcome, ts, sent = _take(stand_in, pii_guard, clean_db, f"<@{BOT_USER_ID}> why does this fail?", [log, snippet])
    assert outcome == "queued" and len(sent) == 1
    with db.connect(clean_db) as conn:
        row = conn.execute("SELECT file_ids, question_redacted FROM slack_requests WHERE message_ts = %s", (ts,))
        stored = row.fetchone()
    assert stored == {"file_ids": [log.id, snippet.id], "question_redacted": "why does this fail?"}
    assert not stand_in.calls("files.info") and not stand_in.calls("files.download"), "the listener reads no file"


def test_a_file_with_no_question_gets_a_plain_word_and_nothing_is_queued(clean_db, stand_in, pii_guard):
    notes = stand_in.add_file("notes.txt", "some notes")
    outcome, ts, sent = _take(stand_in, pii_guard, clean_db, f"<@{BOT_USER_ID}>", [notes])
    assert outcome == "rejected" and sent == []
    [reply] = stand_in.bot_replies(GENERAL, ts)
    assert "I can read the file, but what should I answer?" in reply.text


def test_file_ids_are_read_defensively():
    files = [{"id": "F0AAA"}, {"id": "F0AAA"}, {"id": "not-a-file"}, "F0BBB", {"id": 7}, {"id": "F0CCC"}]
    assert payload.file_ids({"files": files}) == ("F0AAA", "F0CCC")
    assert payload.file_ids({"files": "F0AAA"}) == () and payload.file_ids(None) == ()
    assert payload.file_ids({"files": [{"id": f"F0{i:03d}"} for i in range(15)]})[-1] == "F0009"
    assert payload.question_subtype({"subtype": "file_share"}) and payload.question_subtype({})
    assert not payload.question_subtype({"subtype": "message_changed"})
