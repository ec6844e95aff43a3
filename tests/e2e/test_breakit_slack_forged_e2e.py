"""Break-it: clicks whose value names what is not the clicker's. An "Add a comment" button carrying another
person's 👎 (a forged value, or a follow-up forwarded by copy) opens the form, and its submission saves nothing —
the person must be told so, not left thinking their comment was saved."""

from __future__ import annotations

from bot import feedback_blocks as fb
from core import db
from feedback import labels
from slack_standin import BOB, GENERAL, TEAM_ID
from tests.support.bot_endpoint import bot_endpoint
from tests.support.records import add_interaction


def test_a_comment_on_someone_elses_vote_is_not_saved_and_the_person_is_told(slack, clean_db, pii_guard):
    with bot_endpoint(slack, clean_db, pii_guard):
        with db.connection(clean_db) as conn:
            interaction = add_interaction(conn, TEAM_ID, "how do I rotate the on-call pager?")
            bobs = labels.record_vote(conn, interaction, kind="down", reaction="-1", user_id=BOB, team_id=TEAM_ID)
        text, blocks = fb.reasons_message(bobs.label_id)  # bob's follow-up, its buttons in alice's reach
        ts = slack.web_client().chat_postMessage(channel=GENERAL, text=text, blocks=blocks)["ts"]
        opened = len(slack.views("alice"))
        slack.click_button(GENERAL, ts, fb.COMMENT_ACTION, user="alice")
        slack.wait_for(lambda: len(slack.views("alice")) > opened, timeout=15)
        view = slack.views("alice")[-1]
        before = len(slack.ephemerals(GENERAL, "alice"))
        slack.submit_view(view.id, {"comment": "the rota moved to PagerDuty in May"}).wait(10)
        told = slack.wait_for(lambda: slack.ephemerals(GENERAL, "alice")[before:], timeout=15)
        assert "not saved" in told[0].text and "Thanks" not in told[0].text, told[0].text
        assert "No vote" not in told[0].text  # said in words, not the exception's text
        with db.connection(clean_db) as conn:
            row = conn.execute("SELECT comment FROM labels WHERE id = %s", (bobs.label_id,)).fetchone()
        assert not row["comment"]
