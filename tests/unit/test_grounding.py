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


def test_dont_know_lists_closest_documents():
    msg = dont_know_message("weak_retrieval", [ClosestDoc("On-call › Paging", "on-call.md#paging")])
    assert msg.startswith("I don't know.")
    assert "on-call.md#paging" in msg  # the expert is Slack's part: tests/unit/test_slack_blocks.py


def test_text_helpers():
    assert sentences("First one. Second, e.g. with an abbreviation. Third!") == [
        "First one.",
        "Second, e.g. with an abbreviation.",
        "Third!",
    ]
    assert content_terms("How do I configure <EMAIL_ADDRESS> retries?") == ["configur", "retri"]


def test_a_sentence_held_open_by_many_abbreviations_is_one_sentence():
    """ "Mr. " * 8000 (a hostile document) kept one sentence open by 8,000 abbreviations; each was tested against
    the whole sentence so far, which took 12 s (quadratic). The result is the same, from the pieces' ends."""
    assert sentences("Mr. " * 8000) == [("Mr. " * 8000).strip()]
    assert sentences("Ask Dr. Li. Then xMr. Smith.\n\n- item e.g. this") == [
        "Ask Dr. Li.",
        "Then xMr.",
        "Smith.",
        "- item e.g. this",
    ]


# ----------------------------------------------------------------------------------------------- exact checks
# A paraphrase with one changed fact is lexically and semantically close to its passage, so these run with a
# semantic support that always says "similar": only the exact checks of guardrails.claims can reject them.

ESCALATION = {
    3: "The primary is paged immediately and must acknowledge within 5 minutes. If the page is not acknowledged "
    "within 10 minutes it escalates to the secondary. Shifts hand over every Wednesday at 11:00 UTC.",
    4: "Soft shutdown is disabled by default. The connection pool is enabled by default since version 2.5, "
    "with a default limit of ten connections. You can tweak the broker_pool_limit setting to minimize contention.",
}


def _similar(sentence, passages):
    return 0.95


def _grounded(answer, chunk=3, **kw):
    return check_grounding(answer, [CitationRef(chunk)], ESCALATION, threshold=0.5, semantic=_similar, **kw)


def _issues(report):
    return [i for s in report.sentences for i in s.issues]


def test_faithful_paraphrases_pass_the_exact_checks():
    for answer, chunk in [
        ("The primary gets paged right away and has five minutes to acknowledge.", 3),
        ("If nobody acknowledges the page within ten minutes, it goes to the secondary.", 3),
        ("An unacknowledged page is escalated to the secondary after 600 seconds.", 3),
        ("Handover happens on Wednesdays at 11:00 UTC.", 3),
        ("Soft shutdown is off by default.", 4),
        ("Connection pooling has been on by default since 2.5, with up to 10 connections; tune broker_pool_limit.", 4),
    ]:
        r = _grounded(answer, chunk)
        assert r.grounded, (answer, r.problems)


def test_a_changed_number_is_caught():
    r = _grounded("The primary must acknowledge within 15 minutes.")
    assert not r.grounded and any(i.startswith("number:") for i in _issues(r))


def test_a_number_moved_to_another_slot_is_caught():
    # 10 minutes is in the passage, but as the escalation time, not the acknowledgement time
    r = _grounded("The primary is paged immediately and must acknowledge within 10 minutes.")
    assert not r.grounded and any("5 minutes" in i for i in _issues(r))


def test_a_changed_unit_is_caught():
    assert not _grounded("The primary must acknowledge within 5 hours.").grounded
    assert not _grounded(
        "Soft shutdown is disabled by default; the pool allows ten connections per minute.", 4
    ).grounded


def test_a_changed_version_is_caught():
    assert not _grounded("The connection pool has been enabled by default since version 3.0.", 4).grounded


def test_a_changed_name_is_caught():
    for answer, chunk in [
        ("Shifts hand over every Wednesday at 11:00 CET.", 3),  # a name the passage does not have
        ("Shifts hand over every Thursday at 11:00 UTC.", 3),
        ("You can tweak the broker_connection_limit setting to minimize contention.", 4),  # an identifier variant
        ("If the page is not acknowledged within 10 minutes it escalates to the engineering manager.", 3),  # a role
    ]:
        r = _grounded(answer, chunk)
        assert not r.grounded and any(i.startswith("name:") for i in _issues(r)), answer


def test_a_flipped_negation_is_caught():
    for answer, chunk in [
        ("If the page is acknowledged within 10 minutes it escalates to the secondary.", 3),
        ("Soft shutdown is enabled by default.", 4),
        ("The connection pool is not enabled by default.", 4),
    ]:
        r = _grounded(answer, chunk)
        assert not r.grounded and any(i.startswith("negation:") for i in _issues(r)), answer


def test_an_added_condition_or_quantifier_is_caught():
    for answer in [
        "The page escalates to the secondary only if the primary is on holiday.",  # only if
        "The page escalates to the secondary after 10 minutes, even if it was acknowledged.",  # even if
        "All pages always escalate to the secondary.",  # all / always
    ]:
        r = _grounded(answer)
        assert not r.grounded and any(i.split(":")[0] in ("condition", "scope") for i in _issues(r)), answer


def test_exact_checks_can_be_switched_off_or_narrowed():
    changed = "The primary must acknowledge within 15 minutes."
    assert _grounded(changed, exact=False).grounded
    assert _grounded(changed, exact=("names",)).grounded
    assert not _grounded(changed, exact=("numbers",)).grounded


def test_report_lists_the_exact_check_findings():
    r = _grounded("The primary must acknowledge within 15 minutes.")
    d = r.as_dict()
    assert d["verdict"] == "ungrounded" and d["unsupported_sentences"] == 1
    assert d["claim_issues"] and "15 minutes" in d["claim_issues"][0]
    assert r.sentences[0].score == 0.0
    assert any(p.startswith("sentence 1: number:") for p in r.problems)


def test_claims_module_units_and_words():
    from guardrails.claims import analyse

    values = {
        q.text: (q.dim, q.value) for q in analyse("half an hour, 48 hours, 12 MB, 0.5 percentage points").quantities
    }
    assert values["half an hour"] == ("time", 1800.0)
    assert values["48 hours"] == ("time", 172800.0)
    assert values["12 MB"] == ("size", 12 * 1024.0**2)
    assert values["0.5 percentage points"] == ("pp", 0.5)
