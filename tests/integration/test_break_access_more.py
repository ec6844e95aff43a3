"""More attacks on what one person may learn from what others asked and read, through real components: Postgres,
the real pipeline with MiniLM, the Slack stand-in (its membership and its conversations.info), the bot's own
listeners. Each test is a path that leaked before its fix."""

from __future__ import annotations

import pytest

from bot.agent_dm import AgentDm
from core import db
from feedback.labels import record_vote
from slack_standin import ALICE, BOB, GENERAL, PRIVATE, SlackStandin
from tests.conftest import SAMPLE_KB, make_settings
from tests.support import access_fixtures
from workers.access import Asker, scope_for
from workers.kb.ingest import ingest_folder
from workers.slack import store as slack_store
from workers.slack.store import RequestKey

TEAM = "T0STANDIN1"
SECRET_CHANNEL = "C0FALCON01"  # a private channel: today's Slack gives those C… ids too


@pytest.fixture(scope="module")
def slack():
    with SlackStandin() as s:
        s.add_channel("falcon-deal", channel_id=SECRET_CHANNEL, members=[ALICE], private=True)
        yield s


membership = access_fixtures.membership


@pytest.fixture()
def kb(clean_db, local_embedder):
    with db.connect(clean_db) as conn:
        settings = make_settings(clean_db)
        ingest_folder(conn, SAMPLE_KB / "handbook", "handbook", embedder=local_embedder, settings=settings)
        conn.execute("UPDATE collections SET team_id = %s", (TEAM,))
        conn.commit()
    return clean_db


@pytest.fixture()
def pipe(kb, local_embedder, pii_guard):
    from workers.pipeline import Pipeline

    return Pipeline(make_settings(kb), guard=pii_guard, embedder=local_embedder, database_url=kb)


def asked_and_liked(kb, pipe, channel: str, ts: str, question: str, *, user: str = ALICE, in_dm: bool = False) -> None:
    """What the intake and the worker do with a question (its request row, its answer from the handbook), then
    the asker's 👍."""
    key = RequestKey(TEAM, channel, ts)
    with db.connect(kb) as conn:
        assert slack_store.create_request(
            conn,
            key,
            thread_ts=ts,
            user_id=user,
            kind="dm" if in_dm else "mention",
            question_redacted=question,
            pii={},
            reply_mode="in_channel",
            in_dm=in_dm,
        )
        conn.commit()
    result = pipe.ask(question, ["handbook"], source="slack", interaction_id=key.interaction_id(), team_id=TEAM)
    assert result.status == "answered", (question, result.reason)
    with db.connect(kb) as conn:
        record_vote(conn, result.interaction_id, kind="up", reaction="+1", user_id=user, team_id=TEAM)
        conn.commit()


def suggested_to(slack, kb, membership, user: str) -> list[str]:
    dm = slack.open_dm(user)
    agent = AgentDm(make_settings(kb), kb, membership)
    opened = {"user": user, "channel": dm, "tab": "messages"}
    outcome = agent.on_messages_tab(opened, {"team_id": TEAM}, slack.web_client())
    assert outcome == "popular", outcome
    return [p["message"] for p in slack.suggested_prompts(dm)[-1]["prompts"]]


IN_PUBLIC = "What is the nightly hotel cap in London?"
IN_DM = "What is the hotel cap per night in Zurich for my Falcon acquisition trip?"
IN_SECRET = "What is the hotel cap per night in New York during the Falcon deal?"


def test_the_agent_dm_never_suggests_a_question_someone_asked_in_a_dm_or_a_private_channel(slack, kb, pipe, membership):
    """Alice asks in her DM and in #falcon-deal (private, bob is not in it) about a deal nobody else may know of,
    and likes the answers. Bob's agent DM suggested them to him word for word ("popular questions": the liked
    questions of the whole workspace whose collections he may search) — as the digest and App Home never would:
    a question's text is its asker's, even redacted. Now only questions asked in public channels are suggested
    to others; Alice still gets her own."""
    asked_and_liked(kb, pipe, GENERAL, "1700000001.000100", IN_PUBLIC)
    asked_and_liked(kb, pipe, slack.open_dm(ALICE), "1700000001.000200", IN_DM, in_dm=True)
    asked_and_liked(kb, pipe, SECRET_CHANNEL, "1700000001.000300", IN_SECRET)

    bob = suggested_to(slack, kb, membership, BOB)
    assert IN_PUBLIC in bob, bob
    assert not [q for q in bob if "Falcon" in q], f"bob was shown alice's private questions: {bob}"
    alice = suggested_to(slack, kb, membership, ALICE)
    assert {IN_PUBLIC, IN_DM, IN_SECRET} <= set(alice), alice


HR_DOC = """# Salary bands 2027

## Band L5

The L5 salary band for Platform engineers is 142,000 to 171,000 EUR, reviewed every March.
"""
BAND_QUESTION = "What is the L5 salary band for Platform engineers?"


@pytest.fixture()
def hr_kb(kb, local_embedder, tmp_path):
    """The handbook (public) and HR's salary bands, restricted to #team-private (alice, not bob)."""
    hr = tmp_path / "hr"
    hr.mkdir()
    (hr / "salary-bands.md").write_text(HR_DOC)
    with db.connect(kb) as conn:
        ingest_folder(conn, hr, "hr", embedder=local_embedder, settings=make_settings(kb))
        conn.execute(
            "UPDATE collections SET team_id = %s, visibility = 'restricted', allowed_channels = %s WHERE name = 'hr'",
            (TEAM, [PRIVATE]),
        )
        conn.commit()
    return kb


def test_app_home_never_lists_a_verified_answer_due_for_review_to_an_admin_who_may_not_read_it(
    slack, hr_kb, pipe, membership, local_embedder
):
    """Alice (an HR reader) corrects her DM's answer from HR's salary bands; it is approved and becomes a verified
    answer of HR, and later falls due for review. Every admin's App Home listed it — its question, the verified
    answer's title, which only HR's readers are ever shown — bob's too, who may not read HR; the pending
    corrections beside it were already filtered. Now it is listed only to admins who may read what it was made
    from (workers.access: the rule that decides who is served it), and counted for the others."""
    from feedback import labels
    from workers.kb import verified

    with db.connect(hr_kb) as conn:
        alice = scope_for(conn, Asker(TEAM, ALICE, slack.open_dm(ALICE), is_dm=True), None, membership)
    assert "hr" in alice.post
    asked = pipe.ask(BAND_QUESTION, alice.post, source="slack", team_id=TEAM, asker=ALICE)
    assert asked.status == "answered" and any(c.document_title for c in asked.citations)
    with db.connect(hr_kb) as conn:
        label_id = labels.record_correction(
            conn,
            asked.interaction_id,
            correction="Since March it is 145,000 to 175,000 EUR.",
            user_id=ALICE,
            team_id=TEAM,
        )
        label = labels.review(conn, label_id, "approved", "admin-ann")
        verified.publish(conn, label, embedder=local_embedder, approved_by="admin-ann")
        conn.execute(
            "UPDATE verified_answers SET review_after = now() - interval '1 day' WHERE label_id = %s", (label_id,)
        )
        conn.commit()
    bob_home, alice_home = access_fixtures.published_homes(slack, hr_kb, membership, TEAM, BOB, ALICE)
    assert "Review" in bob_home and "salary band" not in bob_home, "an admin who may not read HR saw its title"
    assert "salary band" in alice_home and "due for review" in alice_home, "an admin who may read HR still sees it"
