"""Grounding against answers built to slip past it (pure): an added time qualifier, a leading "Yes," / "No,"
whose polarity the passage does not share, and a bare domain name with an uncommon ending.

Every rule is pinned from both sides: the attack is rejected and faithful paraphrases of the same passage still
pass, so a rule that switched grounding off (or on for everything) fails here. The semantic support always says
"similar", as in tests/unit/test_grounding.py: only the exact rules can reject these.
"""

from __future__ import annotations

import pytest

from guardrails.grounding import CitationRef, check_grounding, literals


def _similar(sentence, passages):
    return 0.95


def _check(answer: str, passage: str):
    return check_grounding(answer, [CitationRef(1)], {1: passage}, threshold=0.5, semantic=_similar)


# ----------------------------------------------------------------------------------------- time qualifiers

MOVED = "The office moved to Berlin."
FREEZE = "Deploys are frozen on Fridays after 15:00 and during the last week of December."
DATED = "On 2019-03-01 the office moved from Munich to Berlin. The old office was closed recently."
SINCE = "Since March 2020 the support desk has been staffed around the clock."


@pytest.mark.parametrize(
    "answer",
    [
        "The office moved to Berlin last year.",
        "The office moved to Berlin. That was in 2019.",
        "The office moved to Berlin. It changed recently.",
        "The office moved to Berlin yesterday.",
        "The office will move to Berlin next month.",
        "The office moved to Berlin in March.",
        "The office has been in Berlin since March.",
        "The office stays in Berlin until Friday.",
        "The office moved to Berlin two weeks ago.",
        "The office moved to Berlin earlier this year.",
        "The office moved to Berlin on 2021-06-01.",
        "The office moved to Berlin on Dec 3.",
        "The office moved to Berlin lately.",
    ],
)
def test_an_added_time_qualifier_is_unsupported(answer):
    r = _check(answer, MOVED)
    assert not r.grounded, answer
    assert not all(s.supported for s in r.sentences)


@pytest.mark.parametrize(
    "answer,passage",
    [
        ("The office moved to Berlin in 2020.", DATED),  # another year than the passage's
        ("The office moved to Berlin in April 2019.", DATED),  # another month
        ("The office moved to Berlin on a Monday.", DATED),  # a weekday the passage never gives
        ("The support desk has been staffed around the clock since last year.", SINCE),
        ("Deploys are frozen on Thursdays after 15:00.", FREEZE),
        ("The office is closed on Mondays.", "The office is closed at weekends."),
        ("Until March 2020 the support desk was staffed around the clock.", SINCE),  # since -> until
        ("The freeze lasts since Friday.", "The freeze lasts until Friday."),
    ],
)
def test_a_time_qualifier_the_passage_does_not_give_is_unsupported(answer, passage):
    assert not _check(answer, passage).grounded, answer


@pytest.mark.parametrize(
    "answer,passage",
    [
        ("The office moved to Berlin.", MOVED),
        ("Berlin is where the office moved to.", MOVED),
        ("The office moved from Munich to Berlin on March 1, 2019.", DATED),  # the passage's date, spelt out
        ("The office moved to Berlin in March 2019.", DATED),
        ("In 2019 the office moved from Munich to Berlin.", DATED),
        ("The old office was closed recently.", DATED),
        ("The support desk has been staffed around the clock since March 2020.", SINCE),
        ("Deploys are frozen on Friday afternoons after 15:00 and in the last week of December.", FREEZE),
        ("The office is now in Berlin.", MOVED),  # "now" / "currently" restate a present-tense fact
        ("Currently, the office is in Berlin.", MOVED),
        ("You may deploy before 15:00 on Fridays, except in the last week of December.", FREEZE),
        ("Uploads are capped at 2048 bytes.", "Uploads are capped at 2 KB."),  # a size, not a year
        ("Upgrade to 1.2.10 as soon as possible.", "Upgrade to 1.2.10 as soon as possible."),  # a version
        ("The office moved to Berlin in 2019.", "2019 was the year the office moved to Berlin."),
        ("The office moved to Berlin on 1 March 2019.", "The office moved to Berlin on March 1, 2019."),
        # "recent" / "newly" describe things, and "Oct" / "Dec" without a day are no months
        ("Recent versions of Python ship with it.", "Newer Python versions ship with it."),
        ("Newly created workers inherit the settings.", "New workers inherit the settings."),
        ("The tool prints numbers in Hex, Oct and Dec.", "The tool prints numbers in hexadecimal, octal and decimal."),
        ("Tokens expire after 24 hours, so request a new one each day.", "Tokens expire after 24 hours."),
        ("The office moved to Berlin on Mar 1, 2019.", DATED),
        ("Deploys happen Monday to Friday.", "Deploys happen on weekdays."),  # days a passage's word covers
        ("The support desk has been staffed around the clock starting March 2020.", SINCE),
        ("Deploys resume after January 2.", "Deploys are frozen until January 2."),
        ("The office stays in Berlin until June.", "The office is in Berlin from March to June."),
        ("The office is closed on Saturdays and Sundays.", "The office is closed at weekends."),
    ],
)
def test_faithful_time_wording_still_passes(answer, passage):
    r = _check(answer, passage)
    assert r.grounded, (answer, r.problems)


def test_a_time_issue_names_the_qualifier():
    r = _check("The office moved to Berlin last year.", MOVED)
    assert any(i.startswith("time:") and "last year" in i for i in r.as_dict().get("claim_issues", []))


# ----------------------------------------------------------------------------------- leading "Yes," / "No,"

FRIDAY_OK = "Deploys to production are allowed on Fridays, as long as the on-call engineer approves."
FRIDAY_NO = "Deploys to production are not allowed on Fridays."
REFUND_NO = "Refunds are not allowed for annual plans."
REFUND_OK = "Refunds are allowed for annual plans within 30 days."


@pytest.mark.parametrize(
    "answer,passage",
    [
        ("No, you cannot deploy to production on Fridays.", FRIDAY_OK),
        ("No, deploys to production on Fridays are not possible.", FRIDAY_OK),
        ("No, production deploys on Fridays aren't an option.", FRIDAY_OK),
        ("No, deploys to production are allowed on Fridays.", FRIDAY_NO),
        ("Yes, refunds are allowed for annual plans.", REFUND_NO),
        ("Yes, refunds are possible for annual plans.", REFUND_NO),
        ("Yes — refunds are allowed for annual plans.", REFUND_NO),
        ("No, annual plans cannot be refunded.", REFUND_OK),
        ("Yes, you can.", REFUND_OK),  # nothing to check but the reply word: must be a copy
        ("No, they are not.", REFUND_OK),
        ("Yes, on Fridays.", "Deploys are frozen on Fridays."),  # a fragment: the reply word is the claim
        ("No, not for annual plans.", REFUND_OK),
    ],
)
def test_a_yes_or_no_against_the_passage_is_unsupported(answer, passage):
    assert not _check(answer, passage).grounded, answer


@pytest.mark.parametrize(
    "answer,passage",
    [
        ("Yes, refunds are allowed for annual plans within 30 days.", REFUND_OK),
        ("Refunds are allowed for annual plans within 30 days, yes.", REFUND_OK),
        ("Yes, refunds are allowed.", REFUND_OK),
        ("No, refunds are not allowed for annual plans.", REFUND_NO),
        ("No, refunds are not allowed.", REFUND_NO),
        ("No, annual plans can't be refunded.", REFUND_NO),
        ("No, you cannot deploy to production on Fridays.", FRIDAY_NO),
        ("No, deploys to production are not allowed on Fridays.", FRIDAY_NO),
        ("Yes, deploys to production are allowed on Fridays if the on-call engineer approves.", FRIDAY_OK),
        ("Yes, as long as the on-call engineer approves, you can deploy to production on Fridays.", FRIDAY_OK),
        ("No, not without the on-call engineer's approval.", "Not without the on-call engineer's approval."),
        ("No, refunds are processed by the billing team.", "Refunds are processed by the billing team."),
        ("No, soft shutdown is not enabled by default.", "Soft shutdown is disabled by default."),
        ("No, refunds aren't automatic; the billing team issues them.", "Refunds are issued by the billing team."),
        ("No, the VPN is not required for staging.", "Staging is reachable without the VPN."),
        (
            "No, you don't need a ticket to deploy on Fridays; you need the on-call engineer's approval.",
            FRIDAY_OK,
        ),
    ],
)
def test_a_faithful_yes_or_no_still_passes(answer, passage):
    r = _check(answer, passage)
    assert r.grounded, (answer, r.problems)


# ------------------------------------------------------------------------------------------------- domains

PAY = (
    "Card payments go through https://pay.acme.com/checkout. Questions: billing@acme.com. "
    "The status page is status.acme.com; the EU office uses acme.co.uk."
)


@pytest.mark.parametrize(
    "answer",
    [
        "Card payments go through evil-payments.io.",
        "Card payments go through docs.example.dev.",
        "Card payments go through login.acme.zip.",
        "Card payments go through support.acme.co.uk.",
        "Card payments go through pay.acme.finance.",
        "Card payments go through acme-pay.bank.",
        "Card payments go through checkout.acme.support.",
        "Card payments go through acme.cm.",  # a country ending one letter from .com
        "Card payments go through pay.\u0430cme.com.",  # a Cyrillic "а": another host that looks the same
        "Card payments go through acme-bank.pk.",
        "The status page is status.acme.systems.",
        "The status page is status.acme.co.",  # a prefix of the passage's status.acme.com, not the same host
        "Questions: billing@acme.co.",
        "Card payments go through https://pay.acme.co/checkout.",
        "The EU office uses acme.co.",  # a prefix of acme.co.uk
    ],
)
def test_a_domain_the_passage_does_not_give_is_unsupported(answer):
    assert not _check(answer, PAY).grounded, answer


@pytest.mark.parametrize(
    "text",
    [
        "evil-payments.io",
        "docs.example.dev",
        "login.acme.zip",
        "support.acme.co.uk",
        "pay.acme.finance",
        "acme-pay.bank",
        "status.acme.systems",
        "acme.cm",
        "acme-bank.pk",
        "acme.finance",
        "www.acme.store",
    ],
)
def test_hosts_with_uncommon_endings_are_literals(text):
    assert literals(f"Go to {text} for details.") == [text]


@pytest.mark.parametrize(
    "text",
    [
        "See e.g. the guide, i.e. the first one.",
        "Put it in file.txt or config.yaml next to setup.py and README.md.",
        "It needs v1.2 or 3.11.4.",
        "Call os.path.join, then user.id and obj.pk, and model.to the GPU.",
        "Use self.name, request.data, plt.show and df.style.",
        "The sentence ends here.Then a typo follows.",
        "Read archive.tar.gz.",
        "The workers.slack.store module builds on pptx.shapes.group.",  # module paths ending in a word
        "Call `files.download` or `channel.expert` from the client.",  # code spans
        "Pass props=message.properties to the handler.",  # a keyword argument's value
    ],
)
def test_ordinary_dotted_words_are_not_domains(text):
    assert literals(text) == []


@pytest.mark.parametrize(
    "answer",
    [
        "Pay at https://pay.acme.com/checkout.",
        "Card payments go through pay.acme.com.",
        "Write to billing@acme.com with questions.",
        "The status page is status.acme.com.",
        "The EU office uses acme.co.uk.",
        "Open status.acme.com; for questions write to billing@acme.com.",
    ],
)
def test_domains_of_the_passage_still_pass(answer):
    r = _check(answer, PAY)
    assert r.grounded, (answer, r.problems)


HOSTS = "Invoices come from billing.acme-payments.io and receipts from acme.com.au; keys look like AKIA1234567890ABCD."


@pytest.mark.parametrize(
    "answer",
    [
        "Invoices come from payments.io.",  # the tail of another name, not a name of the passage
        "Receipts come from acme.com.",  # the head of acme.com.au
        "Invoices come from billing.acme-payments.i.",
        "Keys look like AKIA1234567890AB.",  # a key cut short
    ],
)
def test_a_literal_must_appear_whole_not_inside_another(answer):
    assert not _check(answer, HOSTS).grounded, answer


@pytest.mark.parametrize(
    "answer",
    [
        "Invoices come from billing.acme-payments.io.",
        "Invoices come from acme-payments.io, receipts from acme.com.au.",  # the parent domain: the same owner
        "Keys look like AKIA1234567890ABCD.",
    ],
)
def test_a_literal_appearing_whole_passes(answer):
    r = _check(answer, HOSTS)
    assert r.grounded, (answer, r.problems)
