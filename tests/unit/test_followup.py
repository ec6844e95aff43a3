"""Elliptical follow-ups in a thread carry the salient words of the thread's earlier questions; questions that
stand alone are left as they are."""

from __future__ import annotations

import pytest

from guardrails.followup import contextual_query, is_elliptical

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
