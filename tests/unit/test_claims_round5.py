"""The exact claim checks on the fifth round's rule families (pure): opposites in an elliptical clause, a
quantifier narrowed from "all" to "any" / "one", opposites paired up the other way round, "before" for "while",
a word of another passage sentence put in a sentence's slot, and negated universals that widen nothing.

As in ``test_claims_paraphrase``, each behaviour is pinned from both sides: the faithful wording passes and a
one-fact edit of it is caught, so a rule that switched a check off (or on for everything) would fail.
"""

from __future__ import annotations

from tests.support.claims import issue_kinds

SLOTS = "Their main advantage is that they use less memory on CPython and are slightly faster."


def test_an_elliptical_clause_keeps_the_subject_of_the_clause_before_it():
    assert issue_kinds("Slotted classes use less memory on CPython and are slightly faster.", SLOTS) == []
    assert "negation" in issue_kinds("Slotted classes use less memory on CPython but are slightly slower.", SLOTS)


TUPLES = "All these things make namedtuples a particularly poor choice for public APIs."
UNDERSCORES = "attrs strips the underscores from the name when writing the __init__ method signature."


def test_more_english_opposites():
    assert issue_kinds("namedtuples are a poor choice for public APIs.", TUPLES) == []
    assert "negation" in issue_kinds("namedtuples are a good choice for public APIs.", TUPLES)
    assert (
        issue_kinds("attrs strips the underscores from the name in the __init__ method signature.", UNDERSCORES) == []
    )
    assert "negation" in issue_kinds(
        "attrs keeps the underscores of the name in the __init__ method signature.", UNDERSCORES
    )


EQUALITY = "By default, two instances are equal if they have the same type and all their fields are equal."
BOTH_RUN = "If you use both ways to define validators for an attribute, they are both run."


def test_one_of_what_the_passage_says_of_all():
    assert issue_kinds("Two instances are equal by default when all their fields are equal.", EQUALITY) == []
    assert "scope" in issue_kinds("Two instances are equal by default when any of their fields are equal.", EQUALITY)
    assert "scope" in issue_kinds(
        "If you define validators for an attribute both ways, only one of them is run.", BOTH_RUN
    )


def test_a_list_that_names_all_and_one_is_no_narrowing():
    purge = "Use celery purge to purge all configured task queues."
    assert issue_kinds("Use celery purge for all queues, or queue.purge for one queue.", purge) == []


LAZY = "By default, it's lazy=True for writing and lazy=False for reading."


def test_opposites_paired_up_the_other_way_round():
    assert issue_kinds("Files for writing default to lazy=True and files for reading to lazy=False.", LAZY) == []
    assert (
        issue_kinds("For reading it's lazy=False, and for writing it's lazy=True.", LAZY) == []
    )  # both pairs reordered
    assert "condition" in issue_kinds("By default it's lazy=True for reading and lazy=False for writing.", LAZY)


TUNING = "Tune the worker count using TTIN and TTOU signals while the application is under load."


def test_before_restating_while():
    assert issue_kinds("Tune the worker count with TTIN and TTOU while the application is under load.", TUNING) == []
    assert "condition" in issue_kinds(
        "Tune the worker count with TTIN and TTOU before the application is under load.", TUNING
    )


WORK = (
    "attrs runtime impact is very close to zero because all the work is done when the class is defined. "
    "Once you're instantiating it, attrs is out of the picture completely."
)


def test_a_word_of_another_passage_sentence_in_the_slot_of_the_sentences_own_word():
    assert (
        issue_kinds(
            "attrs's runtime impact is close to zero because all the work is done when the class is defined.", WORK
        )
        == []
    )
    assert "condition" in issue_kinds(
        "attrs's runtime impact is close to zero because all the work is done when the class is instantiated.", WORK
    )


METACLASSES = "Several edge cases surrounding metaclasses make it impossible to go this route."


def test_a_negated_universal_is_no_widening():
    assert issue_kinds("Edge cases around metaclasses mean attrs can't always go this route.", METACLASSES) == []
    assert "scope" in issue_kinds(
        "Edge cases around metaclasses always make it impossible to go this route.", METACLASSES
    )


CANARY = "Argo Rollouts aborts the canary if its error rate goes above 1% or its p95 latency is 20% worse than stable."


def test_both_restating_either():
    assert (
        issue_kinds(
            "Argo Rollouts aborts the canary if its error rate goes above 1% or its p95 latency is 20% worse.", CANARY
        )
        == []
    )
    assert "scope" in issue_kinds(
        "Argo Rollouts aborts the canary only if both its error rate goes above 1% and its p95 latency is 20% worse.",
        CANARY,
    )


SERVICES = "It covers the services owned by the Platform team, such as the API gateway and billing-sync."


def test_every_of_what_the_passages_name():
    assert (
        issue_kinds("The process covers the Platform team's services, like the API gateway and billing-sync.", SERVICES)
        == []
    )
    assert "scope" in issue_kinds(
        "The process covers every team's services, like the API gateway and billing-sync.", SERVICES
    )


TUPLE = "Since namedtuples are a subclass of tuples, they have a length and are iterable."


def test_a_name_the_passages_lack_in_the_slot_of_a_word_they_have():
    assert issue_kinds("namedtuples are a subclass of tuples, so they have a length and are iterable.", TUPLE) == []
    assert "name" in issue_kinds("namedtuples are a subclass of dicts, so they have a length and are iterable.", TUPLE)


PAAS = "The workers setting defaults to WEB_CONCURRENCY, which some Platform-as-a-Service providers set."


def test_an_abbreviation_of_passage_words_is_no_new_name():
    assert issue_kinds("The workers setting defaults to WEB_CONCURRENCY, which some PaaS providers set.", PAAS) == []
    assert "name" in issue_kinds(
        "The workers setting defaults to WEB_CONCURRENCY, which some Heroku providers set.", PAAS
    )


INIT = "You should keep as little logic as possible in __init__. The type parameter is discouraged."
ATTRS_INIT = (
    "__attrs_init__ is written and attached to your class instead of __init__, if attrs is told to not write one "
    "(when init=False or by a combination of auto_detect=True and a custom __init__)."
)


def test_quantity_and_advice_opposites():
    assert issue_kinds("Keep as little logic as possible in __init__.", INIT) == []
    assert "negation" in issue_kinds("Put as much logic as possible in __init__.", INIT)
    assert "negation" in issue_kinds("The type parameter is recommended.", INIT)


def test_a_boolean_argument_set_the_other_way():
    assert issue_kinds("attrs writes __attrs_init__ instead of __init__ when init=False.", ATTRS_INIT) == []
    assert "negation" in issue_kinds("attrs writes __attrs_init__ instead of __init__ when init=True.", ATTRS_INIT)


TEARDOWN = "The teardown functions are called even if there is an unhandled exception during dispatch."


def test_a_condition_made_of_what_the_passage_says_does_not_matter():
    assert (
        issue_kinds("Teardown functions are called even when there's an unhandled exception during dispatch.", TEARDOWN)
        == []
    )
    assert "condition" in issue_kinds(
        "Teardown functions are called unless there was an unhandled exception during dispatch.", TEARDOWN
    )
