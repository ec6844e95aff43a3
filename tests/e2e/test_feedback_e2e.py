"""Feedback end to end through the Slack stand-in: reactions, the 👎 follow-up, "Improve this answer",
approval into a verified answer, and expert replies — real Bolt, Redis, Celery worker and Postgres."""

from __future__ import annotations

import json
import logging
import subprocess

import pytest

from bot.feedback_listeners import DB_DOWN, FeedbackListeners
from core import db
from slack_standin import ALICE, BOB, BOT_USER_ID, GENERAL, PRIVATE
from tests.support.cli_runner import run_cli
from tests.support.slack_stack import ask, final, handbook_and_hr, rows

HR_DOC = "# Leave\n\n## Parental leave\n\nParental leave is 16 weeks at full pay, to be taken within 18 months.\n"


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    return handbook_and_hr(database_url, local_embedder, tmp_path_factory.mktemp("hr"), "leave.md", HR_DOC)


def interaction_of(settings, msg_ts: str) -> str:
    [row] = rows(settings.database_url, "SELECT interaction_id FROM slack_requests WHERE message_ts = %s", msg_ts)
    return str(row["interaction_id"])


def labels_of(settings, interaction_id: str) -> list[dict]:
    return rows(settings.database_url, "SELECT * FROM labels WHERE interaction_id = %s ORDER BY id", interaction_id)


def wait_labels(slack, settings, interaction_id: str, predicate, timeout: float = 10) -> list[dict]:
    return slack.wait_for(
        lambda: (lambda ls: ls if predicate(ls) else None)(labels_of(settings, interaction_id)), timeout=timeout
    )


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return run_cli(database_url, *args, embeddings="local")


def test_thumbs_up_is_a_label_with_its_prompt_version_and_removing_it_retracts(slack, bot, settings):
    msg, reply = ask(slack, "How long before an unacknowledged page escalates to the secondary?")
    iid = interaction_of(settings, msg.ts)
    slack.add_reaction(GENERAL, reply.ts, "+1", user=ALICE)
    [label] = wait_labels(slack, settings, iid, lambda ls: ls)
    assert (label["kind"], label["status"], label["source"], label["user_id"]) == ("up", "pending", "reaction", ALICE)
    assert label["prompt_version_id"] == 1 and label["split"] in ("train", "heldout")
    assert label["channel_id"] == GENERAL and label["team_id"] == slack.team_id
    # the cited document gained a vote
    doc = rows(
        settings.database_url,
        "SELECT f.ups, f.downs FROM document_feedback f JOIN documents d ON d.id = f.document_id "
        "WHERE d.source_path = 'on-call.md'",
    )
    assert doc == [{"ups": 1, "downs": 0}]

    slack.remove_reaction(GENERAL, reply.ts, "+1", user=ALICE)
    [label] = wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["status"] == "retracted")
    assert label["reactions"] == []
    doc = rows(
        settings.database_url,
        "SELECT f.ups FROM document_feedback f JOIN documents d ON d.id = f.document_id "
        "WHERE d.source_path = 'on-call.md'",
    )
    assert doc == [{"ups": 0}]


def test_another_apps_bot_reacting_is_not_a_vote(slack, bot, settings):
    """An automation that reacts 👍 to every message is no one's opinion of the answer: no label, no weight."""
    standup = slack.add_bot_user("standup-bot", join=[GENERAL])
    msg, reply = ask(slack, "Who approves a purchase over the team budget?")
    iid = interaction_of(settings, msg.ts)
    slack.add_reaction(GENERAL, reply.ts, "+1", user=standup.id)
    slack.add_reaction(GENERAL, reply.ts, "-1", user=standup.id)
    slack.wait_for_call("users.info", timeout=10, predicate=lambda c: c.args.get("user") == standup.id)
    slack.add_reaction(GENERAL, reply.ts, "+1", user=BOB)  # after the bot's: their votes would be in by now
    [label] = wait_labels(slack, settings, iid, lambda ls: ls)
    assert label["user_id"] == BOB and label["kind"] == "up"
    slack.wait_idle(timeout=10)
    assert [(lab["user_id"], lab["kind"]) for lab in labels_of(settings, iid)] == [(BOB, "up")]


def test_a_reaction_is_a_vote_when_slack_cannot_say_who_reacted(slack, bot, settings, pii_guard):
    """users.info failing (Slack down, a timeout): the reacting account is taken as a person — the vote counts."""
    from slack_sdk import WebClient

    msg, reply = ask(slack, "How many days of parental leave are there?")
    listeners = FeedbackListeners(settings, pii_guard, settings.database_url)
    standup = slack.add_bot_user("digest-bot", join=[GENERAL])
    item = {"type": "message", "channel": GENERAL, "ts": reply.ts}
    client = slack.web_client(token=slack.bot_token)

    def react(user: str, via=client) -> str:
        event = {"type": "reaction_added", "reaction": "+1", "item": item, "user": user}
        return listeners.on_reaction(event, {"team_id": slack.team_id}, via, {"bot_user_id": BOT_USER_ID}, True)

    assert react(standup.id) == "ignored" and react("USLACKBOT") == "ignored"
    unreachable = WebClient(token=slack.bot_token, base_url="http://127.0.0.1:9/api/", timeout=2)
    assert react(ALICE, via=unreachable) == "recorded"
    [label] = labels_of(settings, interaction_of(settings, msg.ts))
    assert label["user_id"] == ALICE


def test_one_vote_per_person_and_the_latest_reaction_decides(slack, bot, settings):
    msg, reply = ask(slack, "What is the nightly hotel cap for a trip to London?")
    iid = interaction_of(settings, msg.ts)
    slack.add_reaction(GENERAL, reply.ts, "thumbsup", user=ALICE)
    wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["kind"] == "up")
    slack.add_reaction(GENERAL, reply.ts, "x", user=ALICE)
    [label] = wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["kind"] == "down")
    assert label["reactions"] == ["thumbsup", "x"]
    slack.remove_reaction(GENERAL, reply.ts, "x", user=ALICE)
    [label] = wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["kind"] == "up")
    assert label["status"] == "pending"
    slack.add_reaction(GENERAL, reply.ts, "+1", user=BOB)  # another person: another label
    wait_labels(slack, settings, iid, lambda ls: len(ls) == 2)


def test_thumbs_down_asks_the_voter_why_and_records_reasons_and_a_redacted_comment(slack, bot, settings):
    msg, reply = ask(slack, "When does the end-of-year code freeze start?")
    iid = interaction_of(settings, msg.ts)
    slack.add_reaction(GENERAL, reply.ts, "-1", user=BOB)
    follow_up = slack.wait_for(
        lambda: [e for e in slack.ephemerals(GENERAL, BOB) if e.blocks and e.thread_ts == msg.ts], timeout=10
    )[-1]
    assert follow_up.thread_ts == msg.ts and "What was wrong" in follow_up.text
    assert not [e for e in slack.ephemerals(GENERAL, ALICE) if e.thread_ts == msg.ts], "only the voter is asked"

    slack.click_ephemeral_button(follow_up, "feedback_reason_outdated")
    [label] = wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["reasons"])
    assert label["kind"] == "down" and label["reasons"] == ["outdated"]
    slack.wait_for(lambda: "noted" in follow_up.text, timeout=10)  # replaced in place
    assert "Outdated" in follow_up.text

    slack.click_ephemeral_button(follow_up, "feedback_comment")
    view = slack.wait_for_view(user=BOB, timeout=10)
    slack.submit_view(view.id, {"comment": "Moved to Jan 5 this year, see ops-lead@example.com"})
    [label] = wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["comment"])
    assert "<EMAIL_ADDRESS>" in label["comment"] and "ops-lead@example.com" not in label["comment"]


def test_feedback_buttons_are_the_same_vote_as_reactions_and_the_latest_click_wins(slack, bot, settings):
    msg, reply = ask(slack, "How many days of notice does a holiday request need?")
    iid = interaction_of(settings, msg.ts)
    assert reply.blocks[-1]["type"] == "context_actions", "the answer carries Slack's native 👍/👎"
    slack.click_feedback(GENERAL, reply.ts, positive=True, user=BOB)
    [label] = wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["kind"] == "up")
    assert (label["source"], label["user_id"], label["reactions"]) == ("reaction", BOB, ["feedback_button:up"])
    assert not [e for e in slack.ephemerals(GENERAL, BOB) if e.thread_ts == msg.ts], "no follow-up on 👍"

    # 👎 by click: the same label flips, and the voter is asked what was wrong, in the thread.
    slack.click_feedback(GENERAL, reply.ts, positive=False, user=BOB)
    [label] = wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["kind"] == "down")
    assert label["reactions"] == ["feedback_button:down"], "a click replaces the earlier click"
    follow_up = slack.wait_for(
        lambda: [e for e in slack.ephemerals(GENERAL, BOB) if e.blocks and e.thread_ts == msg.ts], timeout=10
    )[-1]
    assert "What was wrong" in follow_up.text
    slack.click_ephemeral_button(follow_up, "feedback_reason_wrong")
    wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["reasons"] == ["wrong"])

    # A reaction after the click: still one vote, the latest decides; removing it gives the click back.
    slack.add_reaction(GENERAL, reply.ts, "+1", user=BOB)
    [label] = wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["kind"] == "up")
    assert label["reactions"] == ["feedback_button:down", "+1"]
    slack.remove_reaction(GENERAL, reply.ts, "+1", user=BOB)
    [label] = wait_labels(slack, settings, iid, lambda ls: ls and ls[0]["kind"] == "down")
    assert label["status"] == "pending" and label["reactions"] == ["feedback_button:down"]
    # Clicking 👎 again (Slack un-highlights it, but sends no "deselect") changes nothing and asks nothing new.
    asked = len([e for e in slack.ephemerals(GENERAL, BOB) if e.thread_ts == msg.ts])
    slack.click_feedback(GENERAL, reply.ts, positive=False, user=BOB)
    slack.click_feedback(GENERAL, reply.ts, positive=True, user=ALICE)  # another person: another label
    labels = wait_labels(slack, settings, iid, lambda ls: len(ls) == 2)
    assert [(lb["user_id"], lb["kind"]) for lb in labels] == [(BOB, "down"), (ALICE, "up")]
    slack.wait_idle(5)
    assert len([e for e in slack.ephemerals(GENERAL, BOB) if e.thread_ts == msg.ts]) == asked


def test_reactions_that_are_not_votes_or_not_on_answers_are_ignored(slack, bot, settings):
    msg, reply = ask(slack, "How many reviewers does a billing PR need?")
    iid = interaction_of(settings, msg.ts)
    slack.add_reaction(GENERAL, reply.ts, "tada", user=ALICE)  # not a vote
    slack.add_reaction(GENERAL, msg.ts, "+1", user=BOB)  # the question, not the answer
    slack.wait_idle(5)
    assert labels_of(settings, iid) == []
    assert rows(
        settings.database_url,
        "SELECT count(*) AS n FROM labels WHERE user_id = %s AND kind = 'up' AND interaction_id = %s",
        BOB,
        iid,
    ) == [{"n": 0}]


def test_votes_work_in_dms_and_private_channels(slack, bot, settings):
    dm = slack.send_dm("What is the daily meal allowance abroad?", user=ALICE)
    reply = slack.wait_for_bot_reply(dm.channel, dm.ts, timeout=120, predicate=final)
    slack.add_reaction(dm.channel, reply.ts, "+1", user=ALICE)
    wait_labels(slack, settings, interaction_of(settings, dm.ts), lambda ls: ls and ls[0]["kind"] == "up")

    msg, reply = ask(slack, "How long is parental leave?", channel=PRIVATE)
    slack.add_reaction(PRIVATE, reply.ts, "-1", user=ALICE)
    [label] = wait_labels(slack, settings, interaction_of(settings, msg.ts), lambda ls: ls)
    assert (label["kind"], label["channel_id"]) == ("down", PRIVATE)


def test_correction_becomes_a_verified_answer_for_the_next_similar_question(slack, bot, settings):
    question = "Who approves production deploys for the data team's services?"
    msg, reply = ask(slack, question)
    iid = interaction_of(settings, msg.ts)
    [stored] = rows(settings.database_url, "SELECT answer, status FROM interactions WHERE id = %s", iid)

    slack.message_shortcut("improve_answer", GENERAL, reply.ts, user=BOB)
    view = slack.wait_for_view(user=BOB, timeout=10)
    element = next(b for b in view.data["blocks"] if b.get("block_id") == "correction")["element"]
    if stored["status"] == "answered":
        assert element["initial_value"] == stored["answer"], "the modal is prefilled with the answer"
    assert question in json.dumps(view.data["blocks"])

    slack.submit_view(view.id, {"correction": "   "}).wait(10)  # only spaces: Slack would send it, we refuse it
    assert "correction" in slack.view(view.id).errors and not slack.view(view.id).closed

    correction = (
        "Production deploys of data team services are approved by the data platform lead on duty. "
        "Ask Priya at priya.n@example.com when in doubt."
    )
    slack.submit_view(view.id, {"correction": correction, "note": "data team wiki, deploy page"})
    [label] = wait_labels(slack, settings, iid, lambda ls: ls)
    assert (label["kind"], label["status"], label["source"], label["user_id"]) == (
        "correction",
        "pending",
        "modal",
        BOB,
    )
    assert "<EMAIL_ADDRESS>" in label["correction"] and "priya.n@example.com" not in label["correction"]
    assert "Ask <PERSON> at" in label["correction"]  # her name too, with no NER model
    assert label["user_name"] == "bob" and label["permalink"].startswith("https://")
    assert label["pii"]["entities"] == {"EMAIL_ADDRESS": 1, "PERSON": 1}
    thanks = slack.wait_for(
        lambda: [m for m in slack.bot_replies(GENERAL, msg.ts) if "suggested a better answer" in (m.text or "")],
        timeout=10,
    )
    assert f"<@{BOB}>" in thanks[0].text
    slack.wait_for(
        lambda: [e for e in slack.ephemerals(GENERAL, BOB) if "a person's name, an email address" in e.text],
        timeout=10,
    )

    r = cli(settings.database_url, "labels", "approve", str(label["id"]), "--actor", "admin-ann")
    assert r.returncode == 0, r.stderr
    assert "verified answer published" in r.stdout
    [audit] = rows(
        settings.database_url, "SELECT actor, action FROM admin_actions WHERE target = %s", f"label:{label['id']}"
    )
    assert audit == {"actor": "admin-ann", "action": "labels.approve"}

    paraphrase_msg, answer = ask(slack, "Who has to approve a prod deploy of a data team service?")
    assert "data platform lead on duty" in answer.text
    assert "priya.n@example.com" not in answer.text
    assert "Verified answer (verified by bob)" in json.dumps(answer.blocks)
    [row] = rows(
        settings.database_url,
        "SELECT answerer, status FROM interactions WHERE id = %s",
        interaction_of(settings, paraphrase_msg.ts),
    )
    assert row == {"answerer": "verified", "status": "answered"}

    # A channel that may not search the handbook never sees the handbook's verified answers.
    _, other = ask(slack, "Who has to approve a prod deploy of a data team service?", channel=PRIVATE)
    assert "data platform lead" not in other.text


def test_improve_shortcut_on_a_message_that_is_not_an_answer_explains(slack, bot):
    msg = slack.post_message(GENERAL, "just a message", user=ALICE)
    slack.message_shortcut("improve_answer", GENERAL, msg.ts, user=ALICE)
    slack.wait_for(lambda: [e for e in slack.ephemerals(GENERAL, ALICE) if "works on my answers" in e.text], timeout=10)
    assert not slack.views(user=ALICE, open_only=True)


def test_an_experts_reply_to_i_dont_know_becomes_a_candidate_correction(slack, bot, settings):
    msg, reply = ask(slack, "What's the wifi password in the Berlin office?")
    assert "I don't know" in reply.text
    iid = interaction_of(settings, msg.ts)
    expert = slack.post_message(
        GENERAL,
        "It's on the sticker under the router; IT at it-help@example.com can reset it.",
        user=BOB,
        thread_ts=msg.ts,
    )
    [label] = wait_labels(slack, settings, iid, lambda ls: ls)
    assert (label["kind"], label["source"], label["status"], label["user_id"]) == (
        "correction",
        "thread_reply",
        "pending",
        BOB,
    )
    assert "sticker under the router" in label["correction"] and "it-help@example.com" not in label["correction"]
    slack.wait_for(lambda: [e for e in slack.ephemerals(GENERAL, BOB) if "candidate answer" in e.text], timeout=10)
    slack.wait_idle(5)
    assert not [m for m in slack.bot_replies(GENERAL, msg.ts) if m.ts > expert.ts], "the reply is not a question"

    # the asker's own follow-up in that thread is still a question
    follow = slack.post_message(GENERAL, "And who do I ask about the guest network?", user=ALICE, thread_ts=msg.ts)
    slack.wait_for_bot_reply(GENERAL, msg.ts, timeout=120, predicate=lambda m: final(m) and m.ts > follow.ts)
    assert len(labels_of(settings, iid)) == 1


def test_feedback_with_postgres_down_says_so_instead_of_dropping_it(slack, bot, settings, pii_guard):
    down = settings.model_copy(update={"db_timeout_s": 1.0})
    listeners = FeedbackListeners(down, pii_guard, "postgresql://nobody@127.0.0.1:1/none")
    client = slack.web_client(token=slack.bot_token)
    event = {
        "type": "reaction_added",
        "user": ALICE,
        "reaction": "+1",
        "item": {"type": "message", "channel": GENERAL, "ts": "1.000001"},
    }
    outcome = listeners.on_reaction(event, {"team_id": slack.team_id}, client, {"bot_user_id": BOT_USER_ID}, True)
    assert outcome == "unavailable"
    assert any(DB_DOWN in e.text for e in slack.ephemerals(GENERAL, ALICE))


@pytest.mark.parametrize(
    "event",
    [
        {"type": "reaction_added", "user": ALICE, "reaction": "+1"},  # no item
        {"type": "reaction_added", "user": ALICE, "reaction": "+1", "item": {"type": "file", "file": "F1"}},
        {"type": "reaction_added", "user": ALICE, "reaction": 7, "item": {"type": "message", "channel": GENERAL}},
        {"type": "reaction_added", "reaction": "+1", "item": {"type": "message", "channel": GENERAL, "ts": "1.2"}},
    ],
)
def test_malformed_reaction_events_are_ignored(slack, bot, settings, pii_guard, event):
    listeners = FeedbackListeners(settings, pii_guard, settings.database_url)
    client = slack.web_client(token=slack.bot_token)
    assert listeners.on_reaction(event, {"team_id": slack.team_id}, client, {}, True) == "ignored"
    delivery = slack.send_event(event)  # and through Bolt: acked, nothing breaks
    delivery.wait(10)
    assert delivery.acked


def test_pii_and_secrets_in_feedback_text_never_reach_postgres_or_logs(slack, bot, settings, worker, caplog):
    from tests.support.pii_scan import RAW, all_text

    caplog.set_level(logging.DEBUG)
    msg, reply = ask(slack, "How much can line coverage drop before CI fails?")
    iid = interaction_of(settings, msg.ts)
    slack.message_shortcut("improve_answer", GENERAL, reply.ts, user=BOB)
    view = slack.wait_for_view(user=BOB, timeout=10)
    slack.submit_view(
        view.id,
        {
            "correction": f"Coverage may drop 0.5 points. Ask {RAW['email']} or {RAW['phone']}; the CI key is "
            f"{RAW['aws']} and the admin password={RAW['password']}",
            "note": f"token {RAW['slack']} and {RAW['github']}",
        },
    ).wait(10)
    slack.add_reaction(GENERAL, reply.ts, "-1", user=BOB)
    follow_up = slack.wait_for(
        lambda: [e for e in slack.ephemerals(GENERAL, BOB) if e.blocks and e.thread_ts == msg.ts], timeout=10
    )[-1]
    slack.click_ephemeral_button(follow_up, "feedback_comment")
    comment = slack.wait_for_view(user=BOB, timeout=10)
    slack.submit_view(comment.id, {"comment": f"refund to {RAW['iban']} / card {RAW['card']} ssn {RAW['ssn']}"})

    idk, answer = ask(slack, "What's the guest wifi password in the Lisbon office?")
    assert "I don't know" in answer.text
    slack.post_message(
        GENERAL,
        f"from {RAW['ip']}: use bearer {RAW['jwt']}\n-----BEGIN RSA PRIVATE KEY-----\n{RAW['pem']}\n"
        "-----END RSA PRIVATE KEY-----",
        user=BOB,
        thread_ts=idk.ts,
    )
    wait_labels(slack, settings, iid, lambda ls: len(ls) == 2 and any(x["comment"] for x in ls))
    wait_labels(slack, settings, interaction_of(settings, idk.ts), lambda ls: ls)

    stored = all_text(settings.database_url)
    assert stored.count("<EMAIL_ADDRESS>") >= 1 and "<IBAN_CODE>" in stored
    leaked = {k: v for k, v in RAW.items() if v in stored or v.replace(" ", "") in stored}
    assert leaked == {}, f"raw values found in Postgres: {sorted(leaked)}"
    logged = "\n".join(rec.getMessage() for rec in caplog.records) + worker.log()
    assert not [k for k, v in RAW.items() if v in logged]


def home_text(slack, user: str) -> str:
    view = slack.home_view(user)
    return json.dumps(view.data["blocks"]) if view else ""


def test_app_home_review_queue_is_for_admins_only(slack, bot, settings):
    msg, reply = ask(slack, "How do I book a meeting room in Lisbon?")
    slack.message_shortcut("improve_answer", GENERAL, reply.ts, user=BOB)
    view = slack.wait_for_view(user=BOB, timeout=10)
    slack.submit_view(view.id, {"correction": "Meeting rooms in Lisbon are booked in the Robin app."}).wait(10)
    [label] = wait_labels(slack, settings, interaction_of(settings, msg.ts), lambda ls: ls)

    slack.open_home(user=BOB)
    slack.wait_for(lambda: home_text(slack, BOB), timeout=10)
    assert "Mention me" in home_text(slack, BOB) and "Review" not in home_text(slack, BOB)

    slack.open_home(user=ALICE)
    slack.wait_for(lambda: "Robin app" in home_text(slack, ALICE), timeout=10)
    assert "Active prompt version" in home_text(slack, ALICE)

    # A crafted payload from a non-admin (a button the bot never showed bob) changes nothing.
    client = slack.web_client(token=slack.bot_token)
    client.views_publish(user_id=BOB, view={"type": "home", "blocks": [{"type": "actions", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "Approve"}, "action_id": "admin_approve_label",
         "value": str(label["id"])}]}]})  # fmt: skip
    slack.click_home_button("admin_approve_label", user=BOB).wait(10)
    dm_bob = slack.open_dm(BOB)
    slack.wait_for(
        lambda: [m for m in slack.messages(dm_bob) if "Only Answerloop admins" in (m.text or "")], timeout=10
    )
    assert labels_of(settings, label["interaction_id"])[0]["status"] == "pending"

    slack.click_home_button("admin_approve_label", user=ALICE, value=str(label["id"])).wait(10)
    [approved] = wait_labels(slack, settings, label["interaction_id"], lambda ls: ls and ls[0]["status"] == "approved")
    assert approved["reviewed_by"] == f"slack:{ALICE}"
    published = slack.wait_for(
        lambda: rows(
            settings.database_url, "SELECT document_id FROM verified_answers WHERE label_id = %s", label["id"]
        ),
        timeout=60,
    )  # the worker (ingest queue) embedded and published it
    assert published[0]["document_id"] is not None
    slack.wait_for(lambda: "Robin app" not in home_text(slack, ALICE), timeout=10)  # re-published without it


def test_the_agent_dm_suggests_liked_questions_the_person_may_ask_there(slack, bot, settings):
    hotel = "What is the nightly hotel cap in London?"
    for _ in range(2):
        _, reply = ask(slack, hotel)
    slack.click_feedback(GENERAL, reply.ts, positive=True, user=BOB)
    leave_q, leave = ask(slack, "How long is parental leave?", channel=PRIVATE)
    slack.click_feedback(PRIVATE, leave.ts, positive=True, user=ALICE)
    wait_labels(slack, settings, interaction_of(settings, leave_q.ts), lambda ls: ls and ls[0]["kind"] == "up")
    # HR is restricted to the private channel: only its members may search it, from their DM too.
    restrict = "UPDATE collections SET visibility = %s, allowed_channels = %s WHERE name = 'hr'"
    with db.connect(settings.database_url) as conn:
        conn.execute(restrict, ("restricted", [PRIVATE]))
        conn.commit()
    try:
        shown = {}
        for user in (BOB, ALICE):
            dm = slack.open_dm(user)
            slack.open_home(user=user, tab="messages")
            [call] = slack.wait_for(lambda dm=dm: slack.suggested_prompts(dm) or None, timeout=10)
            assert call["thread_ts"] is None and call["title"] == "Popular questions" and len(call["prompts"]) <= 4
            shown[user] = [p["message"] for p in call["prompts"]]
    finally:
        with db.connect(settings.database_url) as conn:
            conn.execute(restrict, ("public", []))
            conn.commit()
    assert shown[BOB][0] == hotel, "the most-asked liked question first"
    assert "How long is parental leave?" not in shown[BOB], "never a question from a collection bob can't read"
    assert "How long is parental leave?" in shown[ALICE]
    assert not any("<" in m for m in shown[BOB] + shown[ALICE]), "no redacted question is suggested"
