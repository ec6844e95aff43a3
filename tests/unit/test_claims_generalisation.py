"""The exact claim checks on wordings a model uses but the development cases rarely had (pure).

Each behaviour is pinned from both sides: the faithful wording passes and a one-fact edit of it is still caught,
so a rule that simply switched a check off would fail here.
"""

from __future__ import annotations

from guardrails.claims import analyse, check_answer

LIMITS = (
    "The maximum size in bytes any non-file form field may be. Default: 500_000. "
    "The maximum number of fields that may be present. Default: 1_000."
)
DRAFT = "The first draft is due within three business days of the incident being resolved."
TOKEN = "The token lifetime defaults to 900 seconds, which is also the minimum."
ENCODING = "Binary data will be transferred using Base64 encoding, increasing the size by 34%."
SERIALIZERS = (
    "We have built-in support for JSON, YAML, Pickle, and msgpack. "
    "The default serialization used to be pickle, but since 4.0 the default is now JSON."
)
LIMITS_KINDS = "There is a hard time limit that kills the process and a soft time limit that raises an exception."
APP = "The application instance is evaluated lazily, only when it is first used."


def _kinds(answer: str, passage: str) -> list[str]:
    return [i.kind for i in check_answer(answer, [passage])]


def test_python_digit_separators_are_numbers():
    assert [q.value for q in analyse(LIMITS).quantities] == [500_000.0, 1_000.0]
    assert _kinds("A non-file form field may be at most 500,000 bytes, and a form may have 1000 fields.", LIMITS) == []
    assert "number" in _kinds("A non-file form field may be at most 50,000 bytes.", LIMITS)


def test_a_bound_worded_with_a_negation_is_not_a_flipped_negation():
    bound = "The first draft is due no more than three business days after the incident is resolved."
    assert _kinds(bound, DRAFT) == []
    assert _kinds("The token lifetime can't go below 900 seconds, its default.", TOKEN) == []
    # the value of the bound is still checked
    assert "number" in _kinds("The first draft is due no more than five business days after it is resolved.", DRAFT)


def test_a_compound_whose_name_part_is_in_the_passage_is_no_new_name():
    assert _kinds("Binary data is sent Base64-encoded, about 34% larger.", ENCODING) == []
    assert "name" in _kinds("Binary data is sent Base85-encoded, about 34% larger.", ENCODING)


def test_a_count_the_answer_enumerates_itself_is_checked_through_its_items():
    enumerated = "There are two time limits: a hard one that kills the process and a soft one that raises an exception."
    assert _kinds(enumerated, LIMITS_KINDS) == []
    # a count that does not match the items that follow is still a number the passage lacks
    assert "number" in _kinds("There are three time limits: a hard one and a soft one.", LIMITS_KINDS)


def test_an_item_of_a_list_has_no_polarity_of_its_own():
    assert _kinds("Since 4.0 the default serializer is JSON rather than pickle.", SERIALIZERS) == []
    assert "negation" in _kinds("Since 4.0 the default serialization is not JSON.", SERIALIZERS)


def test_an_opposite_word_is_a_flipped_claim():
    assert "negation" in _kinds("The application instance is evaluated eagerly, as soon as it is created.", APP)
    assert _kinds("The application instance is evaluated lazily, only once it's first used.", APP) == []


ACKS = "The AMQP transaction isn't used for these errors: if the task raises an exception it's still acknowledged!"
POLLING = "More frequent polling is also more expensive, so increasing the polling interval can save you money."


def test_a_negated_word_the_restated_sentence_asserts_is_a_flipped_claim():
    from guardrails.claims import analyse_passages, check_predicate_flips

    def flips(answer: str, passage: str) -> list[str]:
        return [i.kind for i in check_predicate_flips(analyse(answer), analyse_passages((passage,)))]

    assert flips("More frequent polling isn't expensive, so you can lower the polling interval.", POLLING)
    assert flips("More frequent polling is more expensive; a longer polling interval saves money.", POLLING) == []
    # a default and its exception ("if" / "unless") is left to the polarity check
    assert flips("When a task raises an exception, it isn't acknowledged.", ACKS) == []
    assert "negation" in _kinds("When a task raises an exception, it isn't acknowledged by the worker.", ACKS)


POOL = (
    "The maximum number of connections that can be open in the connection pool. The pool is enabled by default "
    "since version 2.5, with a default limit of ten connections."
)


def test_a_release_number_is_not_a_rival_for_a_count():
    assert _kinds("It caps how many connections the pool may hold open, ten by default.", POOL) == []
    assert _kinds("Pooling has been on by default since 2.5.", POOL) == []
    assert "number" in _kinds("The pool is enabled by default since version 2.6.", POOL)
