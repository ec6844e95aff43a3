"""Grounding checks and the "I don't know" message (pure)."""

from __future__ import annotations

from guardrails.dont_know import ClosestDoc, dont_know_message
from guardrails.grounding import CitationRef, check_grounding
from guardrails.text import content_terms, sentences

PASSAGES = {
    1: "If the page is not acknowledged within 10 minutes it escalates to the secondary on-call engineer.",
    2: "Deploys are frozen on Fridays after 15:00 and during the last week of December.",
}


def test_supported_answer_is_grounded():
    r = check_grounding(
        "An unacknowledged page escalates to the secondary after 10 minutes.",
        [CitationRef(1, "escalates to the secondary")],
        PASSAGES,
        threshold=0.5,
    )
    assert r.grounded, r.problems
    assert r.score >= 0.5


def test_citation_of_a_chunk_that_was_not_retrieved_fails():
    r = check_grounding("Pages escalate after 10 minutes.", [CitationRef(99)], PASSAGES, threshold=0.5)
    assert not r.grounded
    assert any("99" in p for p in r.problems)


def test_non_verbatim_quote_fails():
    r = check_grounding(
        "Pages escalate to the secondary after 10 minutes.",
        [CitationRef(1, "escalates to the manager")],
        PASSAGES,
        threshold=0.5,
    )
    assert not r.grounded
    assert any("verbatim" in p for p in r.problems)


def test_unsupported_sentence_fails_even_with_a_valid_citation():
    r = check_grounding(
        "Pages escalate to the secondary after 10 minutes. Kubernetes clusters autoscale using Karpenter spot nodes.",
        [CitationRef(1)],
        PASSAGES,
        threshold=0.5,
    )
    assert not r.grounded
    assert [s.supported for s in r.sentences] == [True, False]


def test_quoted_span_in_answer_must_appear_in_a_cited_passage():
    ok = check_grounding('The rule is "frozen on Fridays after 15:00".', [CitationRef(2)], PASSAGES, threshold=0.3)
    bad = check_grounding('The rule is "frozen on Mondays before lunch".', [CitationRef(2)], PASSAGES, threshold=0.3)
    assert ok.grounded and not bad.grounded


def test_answer_without_citations_fails():
    assert not check_grounding("Deploys are frozen on Fridays.", [], PASSAGES, threshold=0.5).grounded


def test_semantic_support_can_rescue_a_paraphrase():
    def always_similar(sentence, passages):
        return 0.9

    text = "Unanswered alerts move up the chain after ten minutes."
    assert not check_grounding(text, [CitationRef(1)], PASSAGES, threshold=0.6).grounded
    assert check_grounding(text, [CitationRef(1)], PASSAGES, threshold=0.6, semantic=always_similar).grounded


def test_dont_know_lists_closest_documents_and_expert():
    msg = dont_know_message("weak_retrieval", [ClosestDoc("On-call › Paging", "on-call.md#paging")], expert="@oncall")
    assert msg.startswith("I don't know.")
    assert "on-call.md#paging" in msg and "@oncall" in msg


def test_text_helpers():
    assert sentences("First one. Second, e.g. with an abbreviation. Third!") == [
        "First one.",
        "Second, e.g. with an abbreviation.",
        "Third!",
    ]
    assert content_terms("How do I configure <EMAIL_ADDRESS> retries?") == ["configur", "retri"]
