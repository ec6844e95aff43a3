"""Break-it: two votes by one person on one answer at once (real Postgres, two connections, the second one observed
blocked on the first one's uncommitted row, never timed).

Slack delivers events concurrently (Bolt runs each listener in a thread of its own): a 👍 and a ✅ added together,
or a click on the 👍 button with a 👍 reaction, reach `record_vote` at the same moment. Both found no vote of that
person yet and both inserted one; the unique index (one vote per person per answer) refused the second with a
UniqueViolation that escaped the listener: that reaction was never recorded, so removing the other later
retracted a vote the person still showed."""

from __future__ import annotations

from core import db
from feedback import labels
from tests.integration.test_break_feedback_state import Racer
from tests.integration.test_verified_answers import QUESTION

POSITIVE, NEGATIVE = ["+1", "white_check_mark"], ["-1"]


def _vote(interaction_id, reaction: str, kind: str = "up"):
    def run(conn):
        return labels.record_vote(conn, interaction_id, kind=kind, reaction=reaction, user_id="U0VOTER001")

    return run


def test_two_first_votes_at_once_are_one_vote_with_both_reactions(pipeline, database_url):
    interaction_id = pipeline.ask(QUESTION, ["handbook"]).interaction_id
    with db.connect(database_url) as first, db.connect(database_url, autocommit=True) as watcher:
        labels.record_vote(first, interaction_id, kind="up", reaction="+1", user_id="U0VOTER001")  # not committed
        second = Racer(database_url, _vote(interaction_id, "white_check_mark")).started(watcher)
        assert second.blocked, "the second vote waits for the first one's row"
        first.commit()
    second.join()
    assert second.error is None, f"the second reaction was lost: {second.error!r}"
    assert second.result.kind == "up" and not second.result.changed, "the same vote again changes nothing"
    with db.connect(database_url) as conn:
        [vote] = conn.execute(
            "SELECT kind, status, reactions FROM labels WHERE interaction_id = %s", (interaction_id,)
        ).fetchall()
        assert vote["kind"] == "up" and sorted(vote["reactions"]) == ["+1", "white_check_mark"]
        # Removing one of the two leaves the vote standing: the other reaction is still on the answer.
        left = labels.retract_vote(
            conn, interaction_id, reaction="+1", user_id="U0VOTER001", positive=POSITIVE, negative=NEGATIVE
        )
        assert left is not None and left.kind == "up"


def test_a_flip_racing_the_first_vote_is_the_vote_that_stays(pipeline, database_url):
    interaction_id = pipeline.ask(QUESTION, ["handbook"]).interaction_id
    with db.connect(database_url) as first, db.connect(database_url, autocommit=True) as watcher:
        labels.record_vote(first, interaction_id, kind="up", reaction="+1", user_id="U0VOTER001")
        second = Racer(database_url, _vote(interaction_id, "-1", kind="down")).started(watcher)
        first.commit()
    second.join()
    assert second.error is None, f"the 👎 was lost: {second.error!r}"
    assert second.result.kind == "down" and second.result.changed and second.result.first_down
    with db.connect(database_url) as conn:
        [vote] = conn.execute("SELECT kind FROM labels WHERE interaction_id = %s", (interaction_id,)).fetchall()
    assert vote["kind"] == "down"
