"""Small talk is answered with a friendly word about the bot; real questions — even short ones, even ones that
start with a greeting or a thank-you — still go to the pipeline."""

from __future__ import annotations

import pytest

from guardrails.small_talk import small_talk, small_talk_reply

SMALL_TALK = {
    "hi": "greeting",
    "Hi!": "greeting",
    "hello there :wave:": "greeting",
    "<@U0BOTUSER1> hey": "greeting",
    "good morning team": "greeting",
    "hey, how are you?": "greeting",
    "what's up": "greeting",
    "thanks!": "thanks",
    "Thank you so much :pray:": "thanks",
    "thx": "thanks",
    "thanks for the help": "thanks",
    "great, thanks": "thanks",
    "ok cool": "thanks",
    "that worked, thank you": "thanks",
    "perfect 👍": "thanks",
    "Thanks, that’s really helpful": "thanks",
    "bye": "farewell",
    "see you later": "farewell",
    "who are you?": "about",
    "What can you do?": "about",
    "hi, what can you do?": "about",
    "help": "about",
    "are you a bot?": "about",
    "<@U0BOTUSER1> what are you": "about",
    "how does this work?": "about",
}

QUESTIONS = [
    "hi, how do I deploy?",
    "hello — where is the VPN config?",
    "thanks! and on staging?",
    "how do I roll back?",
    "deploy?",
    "VPN",
    "who approves production deploys?",
    "what is the hotel cap in London?",
    "help me reset my password",
    "what can you do about flaky tests?",
    "is the cafeteria open on Friday?",
    "hi what's the wifi password",
    "how are you supposed to request leave?",
    "who are you supposed to page at night?",
    "thanks, but what about the 2027 bands?",
    "ok so how long is parental leave",
    "hey can I expense a taxi",
    "good morning, is prod down?",
    "bye-bye deprecated API: when is it removed?",
    "help with on-call escalation",
    "cool how do I get access to the data warehouse",
    "hello " * 20,
]


@pytest.mark.parametrize(("text", "kind"), SMALL_TALK.items())
def test_small_talk_is_recognised(text, kind):
    assert small_talk(text) == kind


@pytest.mark.parametrize("text", QUESTIONS)
def test_real_questions_are_not_small_talk(text):
    assert small_talk(text) is None


def test_blank_and_odd_input_is_not_small_talk():
    for text in ("", "   ", "<@U0BOTUSER1>", ":tada:", "please", 42, None):
        assert small_talk(text) is None  # type: ignore[arg-type]


def test_replies_say_what_the_bot_does_and_never_say_i_dont_know():
    for kind in ("greeting", "about"):
        reply = small_talk_reply(kind)
        assert "documents" in reply and "/ask" in reply and "I don't know" not in reply
    assert "welcome" in small_talk_reply("thanks") and "Bye" in small_talk_reply("farewell")
