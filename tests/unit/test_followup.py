"""Elliptical follow-ups in a thread carry the salient words of the thread's earlier questions; questions that
stand alone are left as they are; `keep_context` keeps those words only where the two retrievals support them."""

from __future__ import annotations

import pytest

from guardrails.followup import Support, contextual_query, is_elliptical, keep_context

EARLIER = ["What is the nightly hotel cap in London?"]


@pytest.mark.parametrize("follow_up", ["and in Zurich?", "what about Paris?", "and on staging?", "Zurich?"])
def test_an_elliptical_follow_up_carries_the_earlier_questions_terms(follow_up):
    query = contextual_query(follow_up, EARLIER)
    assert query.startswith(follow_up) and "hotel" in query and "cap" in query and "nightly" in query
    assert query.lower().count("london") == 1


@pytest.mark.parametrize(
    "question",
    [
        "How long is parental leave in the Netherlands?",
        "Who approves production deploys for the data team?",
        "And who gets paged after 20 minutes?",
    ],
)
def test_a_question_that_stands_alone_is_unchanged(question):
    assert not is_elliptical(question)
    assert contextual_query(question, EARLIER) == question


def test_no_earlier_question_no_change_and_placeholders_never_travel():
    assert contextual_query("and in Zurich?", []) == "and in Zurich?"
    query = contextual_query("and for <PERSON>?", ["Who signs off on expenses of <EMAIL_ADDRESS>?"])
    assert "EMAIL" not in query and "signs" in query
    words = contextual_query("and there?", ["a b c d e f g h i j k l m n o p q r s t u v w x y z alpha beta"])
    assert len(words.split("(")[1].split()) <= 8


THRESHOLD = 0.5


def test_the_context_stays_when_the_follow_up_alone_is_not_answerable_and_it_helps():
    assert keep_context(Support(7, 0.02), Support(3, 0.5), THRESHOLD)  # "and how big may it be?"
    assert not keep_context(Support(7, 0.30), Support(3, 0.20), THRESHOLD), "context that lowers support goes"
    assert keep_context(Support(None, 0.0), Support(3, 0.1), THRESHOLD), "nothing found as written"


def test_a_topic_change_the_follow_up_alone_answers_is_searched_as_written():
    # "what about late December?" after a Friday-deploy question: answerable alone, the words pull another section up
    assert not keep_context(Support(11, 0.99), Support(12, 0.999), THRESHOLD)
    assert not keep_context(Support(11, 0.5), Support(12, 0.9), THRESHOLD), "at the threshold it counts as answerable"


def test_context_that_changes_nothing_first_stays():
    assert keep_context(Support(4, 0.98), Support(4, 0.97), THRESHOLD)  # "and in Zurich?": the same hotel section
    assert not keep_context(Support(None, 0.9), Support(None, 0.9), THRESHOLD)
