"""The exact claim checks on the sixth round's rules (pure): two terms of one passage sentence exchanged (names,
modifiers of one head, or two words joined by the same short link), an embedded "whether X or Y" that is no
"regardless", "both" of a noun that is no "both X and Y", a negation restated by a denying word, and a code
name whose last part the answer uses as the passage's plain word; acronyms read from content words only.

Each behaviour is pinned from both sides: the faithful wording passes and a one-fact edit of it is caught, so a
rule that switched a check off (or on for everything) would fail.
"""

from __future__ import annotations

from tests.support.claims import issue_kinds

BASED = "Internally, the scheduler is based on asyncio instead of gevent."
BACKENDS = "The Redis backend stores results in memory, while the Postgres backend keeps them on disk."
DASHES = "Names with one dash are parsed as short options, names with two are parsed as long options."


def test_two_names_of_one_sentence_exchanged():
    assert issue_kinds("Internally, the scheduler is based on asyncio rather than gevent.", BASED) == []
    assert issue_kinds("Rather than gevent, the scheduler is internally based on asyncio.", BASED) == []
    assert "name" in issue_kinds("Internally, the scheduler is based on gevent rather than asyncio.", BASED)
    assert issue_kinds("Redis stores results in memory, while Postgres keeps them on disk.", BACKENDS) == []
    assert "name" in issue_kinds(
        "The Postgres backend stores results in memory, while the Redis backend keeps them on disk.", BACKENDS
    )


def test_two_modifiers_of_one_head_exchanged():
    assert issue_kinds("Names with one dash are short options, and names with two are long options.", DASHES) == []
    assert "name" in issue_kinds(
        "Names with one dash are parsed as long options, and names with two as short options.", DASHES
    )


GUESS = "The parser has built-in behavior to guess if something is an argument or an option."


def test_whether_after_a_verb_asks_a_question():
    assert issue_kinds("The parser guesses whether something is an argument or an option.", GUESS) == []
    assert "scope" in issue_kinds(
        "The parser treats it the same way, whether something is an argument or an option.", GUESS
    )


FLAGS = "Flags can be defined in one go, separated by a slash, for enabling or disabling the option."
ROLLOUT = "The rollout aborts if the error rate goes above 1% or the latency is more than 20% worse."


def test_both_of_a_noun_is_no_both_x_and_y():
    assert (
        issue_kinds(
            "You define both flags in one go, separated by a slash, one for enabling and one for disabling the option.",
            FLAGS,
        )
        == []
    )
    assert "scope" in issue_kinds(
        "The rollout aborts only if both the error rate goes above 1% and the latency is more than 20% worse.", ROLLOUT
    )


MAX_AGE = "The server validates that the signature is not older than the max age."


def test_a_denying_word_restates_not():
    assert issue_kinds("The server rejects signatures older than the max age.", MAX_AGE) == []
    assert "negation" in issue_kinds("The server accepts signatures older than the max age.", MAX_AGE)


MAIN = "The main error handling happens in BaseCommand.main, which catches every ClickException."


def test_a_code_name_whose_last_part_the_answer_uses_as_a_plain_word():
    assert (
        issue_kinds("The main error handling is done in BaseCommand.main, which catches every ClickException.", MAIN)
        == []
    )
    assert "name" in issue_kinds(
        "The main error handling happens in Context.invoke, which catches every ClickException.", MAIN
    )


RENAME = "Commands that take their name from the decorated function now replace underscores with dashes."


def test_two_words_joined_by_the_same_short_link_exchanged():
    assert (
        issue_kinds("Commands named after their decorated function now replace underscores with dashes.", RENAME) == []
    )
    assert "name" in issue_kinds(
        "Commands named after their decorated function now replace dashes with underscores.", RENAME
    )


PULL = "Every pull request needs two approvals before it is merged."
STRING = "If no type is provided, the type is assumed to be STRING."


def test_acronyms_come_from_content_words_only():
    assert issue_kinds("Every PR needs two approvals before it is merged.", PULL) == []
    assert "name" in issue_kinds("If no type is provided, the type is assumed to be INT.", STRING)
