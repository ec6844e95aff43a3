"""Attacks on "no answer from documents the asker may not read" through real components: Postgres, the real
pipeline with MiniLM, membership read from the Slack stand-in. HR's salary bands are restricted to #team-private
(alice only); the handbook is public. Each test is a path that once leaked, or one no other test walks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from core import db
from feedback import labels
from slack_standin import ALICE, BOB, PRIVATE, SlackStandin
from tests.conftest import SAMPLE_KB, make_settings
from tests.support import access_fixtures
from workers.access import Asker, readable_by_all, scope_for
from workers.kb import verified
from workers.kb.ingest import ingest_folder

TEAM = "T0STANDIN1"
HR_DOC = """# Salary bands 2027

## Band L5

The L5 salary band for Platform engineers is 142,000 to 171,000 EUR, reviewed every March.
"""
SECRET = "142,000"
BAND_QUESTION = "What is the L5 salary band for Platform engineers?"
ADMINS = "C0BRKADMN1"


@pytest.fixture(scope="module")
def slack():
    with SlackStandin() as s:
        s.add_channel("answerloop-admins", channel_id=ADMINS, members=[BOB])  # the gaps digest's: alice is not in
        yield s


membership = access_fixtures.membership


@pytest.fixture()
def kb(clean_db, local_embedder, tmp_path):
    hr = tmp_path / "hr"
    hr.mkdir()
    (hr / "salary-bands.md").write_text(HR_DOC)
    settings = make_settings(clean_db)
    with db.connect(clean_db) as conn:
        ingest_folder(conn, SAMPLE_KB / "handbook", "handbook", embedder=local_embedder, settings=settings)
        ingest_folder(conn, hr, "hr", embedder=local_embedder, settings=settings)
        conn.execute("UPDATE collections SET team_id = %s", (TEAM,))
        conn.execute(
            "UPDATE collections SET visibility = 'restricted', allowed_channels = %s WHERE name = 'hr'", ([PRIVATE],)
        )
        conn.commit()
    return clean_db


@pytest.fixture()
def pipe(kb, local_embedder, pii_guard):
    from workers.pipeline import Pipeline

    return Pipeline(make_settings(kb), guard=pii_guard, embedder=local_embedder, database_url=kb)


def dm_scope(url, slack, membership, user):
    with db.connect(url) as conn:
        return scope_for(conn, Asker(TEAM, user, slack.open_dm(user), is_dm=True), None, membership)


def shown(result) -> str:
    return result.answer + repr(result.citations) + repr(result.closest)


UNCOVERED = "Is there a signing bonus for new Platform hires?"
HR_CORRECTION = "Yes: new Platform hires at L5 get a 10% signing bonus on the 142,000 to 171,000 EUR band."


def test_a_correction_from_a_conversation_that_searched_hr_is_never_served_to_a_non_member(
    pipe, kb, slack, membership, local_embedder
):
    """Alice (an HR reader) asks in her DM, which searches handbook and hr: "I don't know". Her correction
    quotes the HR band and is approved. It used to become a verified answer of the first collection searched —
    the public handbook — and was then served whole to bob, who may not read HR."""
    alice, bob = dm_scope(kb, slack, membership, ALICE), dm_scope(kb, slack, membership, BOB)
    assert alice.post == ["handbook", "hr"] and bob.post == ["handbook"]
    asked = pipe.ask(UNCOVERED, alice.post, source="slack", team_id=TEAM, asker=ALICE)
    assert asked.status == "dont_know" and not asked.citations
    with db.connect(kb) as conn:
        label_id = labels.record_correction(
            conn, asked.interaction_id, correction=HR_CORRECTION, user_id=ALICE, team_id=TEAM
        )
        label = labels.review(conn, label_id, "approved", "admin-ann")
        verified.publish(conn, label, embedder=local_embedder, approved_by="admin-ann")
        conn.commit()

    for asker in (BOB,):
        r = pipe.ask(UNCOVERED, bob.post, source="slack", team_id=TEAM, asker=asker)
        assert SECRET not in shown(r), "a verified answer made where HR was searched reached a non-member"
    again = pipe.ask(UNCOVERED, alice.post, source="slack", team_id=TEAM, asker=ALICE)
    assert again.status == "answered" and SECRET in again.answer, "its HR reader still gets it"


def test_the_gaps_digest_and_app_home_never_name_a_restricted_document(pipe, kb, slack, membership):
    """Alice votes 👎 on her DM's answer from HR's salary bands: a gap, whose closest document is that HR page.
    The weekly digest goes to an admin channel of people who may not read HR (and the App Home to any admin): it
    used to list "Salary bands 2027" as the gap's closest document."""
    from bot.app_home import admin_blocks
    from feedback.gaps_digest import DigestTarget, post_weekly_digest
    from workers.digest_tasks import public_channel_check

    alice, bob = dm_scope(kb, slack, membership, ALICE), dm_scope(kb, slack, membership, BOB)
    asked = pipe.ask(BAND_QUESTION, alice.post, source="slack", team_id=TEAM, asker=ALICE)
    assert asked.status == "answered" and any("Salary bands" in c["title"] for c in asked.closest)
    with db.connect(kb) as conn:
        labels.record_vote(conn, asked.interaction_id, kind="down", reaction="-1", user_id=ALICE, team_id=TEAM)
        conn.commit()
    public = pipe.ask("How many weeks of parental leave do we get?", bob.post, source="slack", team_id=TEAM)
    assert public.status == "dont_know" and public.closest

    with db.connect(kb) as conn:
        home = json.dumps(admin_blocks(conn, team=TEAM), ensure_ascii=False)  # live: no digest yet
    assert "L5 salary band" in home, "the gap itself is still listed"
    assert "Salary bands" not in home, "the App Home named a restricted document"

    client = slack.web_client(token=slack.bot_token)

    def post(channel: str, text: str, blocks: list[dict]) -> str:
        return str(client.chat_postMessage(channel=channel, text=text, blocks=blocks)["ts"])

    with db.connect(kb) as conn:
        outcome = post_weekly_digest(
            conn,
            DigestTarget(TEAM, ADMINS),
            post,
            now=datetime.now(UTC),
            embed=lambda: None,
            readable_by=readable_by_all,
            is_public=public_channel_check(client),
        )
        home = json.dumps(admin_blocks(conn, team=TEAM), ensure_ascii=False)  # now: the stored digest
    assert outcome.status == "posted"
    [digest] = [m for m in slack.messages(ADMINS) if m.ts == outcome.message_ts]
    posted = (digest.text or "") + json.dumps(digest.blocks, ensure_ascii=False)
    assert "L5 salary band" in posted and "Closest documents: " in posted
    assert "Salary bands" not in posted, "the digest named a restricted document in a channel of non-members"
    assert "Expense" in posted or "On-Call" in posted or "parental" in posted
    assert "Salary bands" not in home


def test_a_review_dm_never_shows_an_hr_answer_to_an_owner_who_may_not_read_hr(
    pipe, kb, slack, membership, local_embedder
):
    """A verified answer of HR is owned by bob (named at approval; or he left #team-private since). Its review DM
    quotes the answer: it used to go to bob all the same. Now it is refused, said on the answer until reassigned,
    and the new owner, who may read HR, gets it."""
    from slack_sdk import WebClient

    from workers.verified_review import send_review_requests

    alice = dm_scope(kb, slack, membership, ALICE)
    asked = pipe.ask(BAND_QUESTION, alice.post, source="slack", team_id=TEAM, asker=ALICE)
    assert asked.status == "answered" and asked.citations[0].document_title == "Salary bands 2027"
    with db.connect(kb) as conn:
        label_id = labels.record_correction(
            conn,
            asked.interaction_id,
            correction=f"Since March it is {SECRET} to 175,000 EUR.",
            user_id=ALICE,
            team_id=TEAM,
        )
        label = labels.review(conn, label_id, "approved", "admin-ann")
        verified.publish(conn, label, embedder=local_embedder, approved_by="admin-ann", owner=BOB)
        conn.execute(
            "UPDATE verified_answers SET review_after = now() - interval '1 day' WHERE label_id = %s", (label_id,)
        )
        conn.commit()
        assert verified.get(conn, label_id).collection == "hr"

    def client_for(team: str) -> WebClient:
        return WebClient(base_url=slack.web_api_url, token=slack.bot_token)

    def dm_text(user: str) -> str:
        return json.dumps([(m.text, m.blocks) for m in slack.messages(slack.open_dm(user)) if m.is_bot])

    run = send_review_requests(kb, client_for)
    assert SECRET not in dm_text(BOB), "the review DM showed an HR answer to someone who may not read HR"
    assert label_id in run.refused and label_id not in run.sent
    with db.connect(kb) as conn:
        verified.reassign(conn, label_id, ALICE, "admin-ann")
        conn.commit()
    assert send_review_requests(kb, client_for).sent == [label_id]
    assert SECRET in dm_text(ALICE)


def test_a_review_dm_follows_the_serving_rule_for_a_correction_made_where_hr_was_searched(
    pipe, kb, slack, membership, local_embedder
):
    """A correction of an "I don't know" cites nothing: it was made from everything its question searched (alice's
    DM: handbook and hr), as `verified_beyond` rules when serving it. Filed under the public handbook and owned by
    bob, its review DM must not quote it to him either — the DM reads "made from" through the same function."""
    from slack_sdk import WebClient

    from workers.verified_review import send_review_requests

    alice = dm_scope(kb, slack, membership, ALICE)
    asked = pipe.ask(UNCOVERED, alice.post, source="slack", team_id=TEAM, asker=ALICE)
    assert asked.status == "dont_know" and not asked.citations
    with db.connect(kb) as conn:
        label_id = labels.record_correction(
            conn, asked.interaction_id, correction=HR_CORRECTION, user_id=ALICE, team_id=TEAM
        )
        label = labels.review(conn, label_id, "approved", "admin-ann")
        verified.publish(conn, label, embedder=local_embedder, approved_by="admin-ann", owner=BOB)
        conn.execute(
            "UPDATE verified_answers SET review_after = now() - interval '1 day' WHERE label_id = %s", (label_id,)
        )
        conn.commit()
        assert verified.get(conn, label_id).sources == ()

    run = send_review_requests(kb, lambda team: WebClient(base_url=slack.web_api_url, token=slack.bot_token))
    bob_dm = json.dumps([(m.text, m.blocks) for m in slack.messages(slack.open_dm(BOB)) if m.is_bot])
    assert SECRET not in bob_dm, "the review DM quoted a correction made where HR was searched to a non-member"
    assert label_id in run.refused and label_id not in run.sent


def test_the_app_home_review_queue_shows_an_hr_correction_only_to_admins_who_may_read_hr(pipe, kb, slack, membership):
    """Alice corrects her DM's HR answer; the correction quotes the new band and waits for review. Every admin's
    App Home listed it in full: bob, an admin who may not read HR, read HR figures there. Now it is listed only
    for admins who may read what its question searched."""

    alice = dm_scope(kb, slack, membership, ALICE)
    asked = pipe.ask(BAND_QUESTION, alice.post, source="slack", team_id=TEAM, asker=ALICE)
    assert asked.status == "answered"
    with db.connect(kb) as conn:
        labels.record_correction(
            conn,
            asked.interaction_id,
            correction=f"Since March it is {SECRET} to 175,000 EUR.",
            user_id=ALICE,
            team_id=TEAM,
        )
        conn.commit()
    bob_home, alice_home = access_fixtures.published_homes(slack, kb, membership, TEAM, BOB, ALICE)
    assert "Review" in bob_home and SECRET not in bob_home, "an admin who may not read HR saw an HR correction"
    assert SECRET in alice_home, "an admin who may read HR still reviews it"


def test_a_few_shot_demo_from_an_hr_answer_is_never_sent_with_a_non_members_question(
    pipe, kb, slack, membership, local_embedder, pii_guard
):
    """Alice's 👍 on her DM's HR answer is approved; the retune picks it as a few-shot demo of the workspace's
    prompt version (feedback.demos.select_demos: by workspace, not by collection). Every question then sent the
    HR answer to the model as an example — bob's too, whose question may only be answered from the handbook."""
    from psycopg.types.json import Jsonb

    from feedback.demos import select_demos
    from tests.support.fake_openai import model_answer, serve
    from workers.pipeline import Pipeline

    alice, bob = dm_scope(kb, slack, membership, ALICE), dm_scope(kb, slack, membership, BOB)
    asked = pipe.ask(BAND_QUESTION, alice.post, source="slack", team_id=TEAM, asker=ALICE)
    assert asked.status == "answered" and SECRET in asked.answer
    with db.connect(kb) as conn:
        vote = labels.record_vote(
            conn, asked.interaction_id, kind="up", reaction="+1", user_id=ALICE, team_id=TEAM, heldout_percent=0
        )
        labels.review(conn, vote.label_id, "approved", "admin-ann")
        shots = [s.model_dump() for s in select_demos(conn, team=TEAM)]
        assert any(SECRET in s["answer"] for s in shots), "the retune's demo selection picks the HR answer"
        version = conn.execute(
            "INSERT INTO prompt_versions (instructions, few_shot, params, parent_id, author) "
            "SELECT instructions, %s, params, id, 'retune' FROM prompt_versions WHERE id = 1 RETURNING id",
            (Jsonb(shots),),
        ).fetchone()["id"]
        conn.execute("UPDATE prompt_pointer SET version_id = %s WHERE name = 'active'", (version,))
        conn.commit()

    for server in serve():
        settings = make_settings(kb, llm="openai/gpt-4o-mini", llm_base_url=server.base_url, llm_api_key="test")
        model = Pipeline(settings, guard=pii_guard, embedder=local_embedder, database_url=kb)
        sent = {}
        for user, scope in ((BOB, bob), (ALICE, alice)):
            server.reset()
            server.script(model_answer(False, ""))
            r = model.ask("What is the hotel cost cap per night in London?", scope.post, team_id=TEAM, asker=user)
            assert r.prompt_version == version
            (request,) = server.chat_requests
            sent[user] = json.dumps(request.messages)
        assert SECRET not in sent[BOB], "an HR answer went to the model with a non-member's question"
        assert SECRET in sent[ALICE], "an HR reader's question keeps the demo"
