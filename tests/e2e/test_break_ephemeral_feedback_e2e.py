"""Break-it: the 👎 "Add a comment" of an answer given where the bot is not a member (a DM between two people, a
private channel it was not invited to) — real Bolt (Socket Mode), Redis, a Celery worker, Postgres and the Slack
stand-in.

The comment was saved, but its "Thanks — your comment was saved" went out with chat.postEphemeral, which Slack
refuses there (channel_not_found / not_in_channel): the failure was only logged, and the person never learnt
their comment reached anyone. The thanks goes where the vote was cast — through the "Add a comment" click's
response_url (carried in the modal) — or, when that is spent, to the person's DM with the bot. The other person
in the conversation sees nothing either way, and the response_url is never logged."""

from __future__ import annotations

import json
import logging

import pytest

from slack_standin import ALICE, BOT_USER_ID
from tests.support.slack_stack import handbook_and_hr, rows
from workers.slack.blocks import FEEDBACK_ACTION

HOTEL = "What is the nightly hotel cap in London?"
THANKS = "your comment was saved"


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    return handbook_and_hr(
        database_url, local_embedder, tmp_path_factory.mktemp("hr"), "leave.md", "# Leave\n\nTwenty-five days.\n"
    )


def _shown(e) -> str:
    return (e.text or "") + json.dumps(e.blocks or [])


def _comment_on_an_ephemeral_answer(slack, settings, asker: str, other: str) -> tuple[str, object]:
    """/ask in a DM between `asker` and `other`, 👎 on the ephemeral answer, "Add a comment": the open modal."""
    slack.add_user(other)
    people = slack.open_dm_between(asker, other)
    slack.slash_command("/ask", HOTEL, channel=people, user=asker)
    uid = slack.user(asker).id
    [answer] = slack.wait_for(
        lambda: [e for e in slack.ephemerals(people, user=uid) if "250" in (e.text or "")], timeout=90
    )
    slack.click_ephemeral_button(answer, FEEDBACK_ACTION, value="negative")
    [follow_up] = slack.wait_for(
        lambda: [e for e in slack.ephemerals(people, user=uid) if "what was wrong" in _shown(e).lower()], timeout=20
    )
    slack.click_ephemeral_button(follow_up, "feedback_comment")
    return people, slack.wait_for_view(user=uid, timeout=10)


def _saved_comment(settings, people: str) -> str:
    found = rows(
        settings.database_url,
        "SELECT l.comment FROM labels l JOIN slack_requests r ON r.interaction_id = l.interaction_id "
        "WHERE r.channel_id = %s",
        people,
    )
    return found[0]["comment"] if found else ""


def test_the_thanks_for_a_comment_reaches_the_asker_in_a_dm_between_two_people(slack, bot, settings, worker, caplog):
    caplog.set_level(logging.INFO)
    people, view = _comment_on_an_ephemeral_answer(slack, settings, "alice", "frank")
    slack.submit_view(view.id, {"comment": "London's cap went up to 300 in October"}).wait(10)
    thanks = slack.wait_for(
        lambda: [e for e in slack.ephemerals(people, user=ALICE) if THANKS in (e.text or "")],
        timeout=15,
        message="the asker never learnt their comment was saved",
    )
    assert len(thanks) == 1 and thanks[0].source == "response_url"
    assert "300" in _saved_comment(settings, people)
    frank = slack.user("frank").id
    assert slack.ephemerals(people, user=frank) == [] and slack.messages(people) == [], "frank sees nothing"
    assert not [c for c in slack.calls("chat.postMessage") if THANKS in json.dumps(c.args)], "no DM needed"
    assert "/response_url/" not in caplog.text + worker.log(), "a response_url is a capability: never logged"


def test_when_the_response_url_is_spent_the_thanks_goes_to_the_persons_dm_with_the_bot(slack, bot, settings):
    """The modal stayed open past Slack's 30 minutes: the click's response_url has expired. The thanks goes to the
    person's own DM with the bot — never into the conversation the bot is not in."""
    people, view = _comment_on_an_ephemeral_answer(slack, settings, "alice", "grace")
    slack.response_url_ttl = 0.0
    try:
        slack.submit_view(view.id, {"comment": "The cap is per night, taxes included"}).wait(10)
        dm = slack.open_dm(ALICE)
        [thanks] = slack.wait_for(
            lambda: [m for m in slack.messages(dm) if THANKS in (m.text or "")],
            timeout=15,
            message="no thanks in the asker's DM with the bot",
        )
    finally:
        slack.response_url_ttl = 30 * 60
    assert thanks.user == BOT_USER_ID
    assert "taxes" in _saved_comment(settings, people)
    grace = slack.user("grace").id
    assert slack.ephemerals(people, user=grace) == [] and slack.messages(people) == [], "grace sees nothing"
    assert not [e for e in slack.ephemerals(people, user=ALICE) if THANKS in (e.text or "")]
