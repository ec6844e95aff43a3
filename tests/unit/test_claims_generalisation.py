"""The exact claim checks on wordings a model uses but the development cases rarely had (pure).

Each behaviour is pinned from both sides: the faithful wording passes and a one-fact edit of it is still caught,
so a rule that simply switched a check off would fail here.
"""

from __future__ import annotations

from guardrails.claims import analyse
from tests.support.claims import issue_kinds

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


def test_python_digit_separators_are_numbers():
    assert [q.value for q in analyse(LIMITS).quantities] == [500_000.0, 1_000.0]
    assert (
        issue_kinds("A non-file form field may be at most 500,000 bytes, and a form may have 1000 fields.", LIMITS)
        == []
    )
    assert "number" in issue_kinds("A non-file form field may be at most 50,000 bytes.", LIMITS)


def test_a_bound_worded_with_a_negation_is_not_a_flipped_negation():
    bound = "The first draft is due no more than three business days after the incident is resolved."
    assert issue_kinds(bound, DRAFT) == []
    assert issue_kinds("The token lifetime can't go below 900 seconds, its default.", TOKEN) == []
    # the value of the bound is still checked
    assert "number" in issue_kinds(
        "The first draft is due no more than five business days after it is resolved.", DRAFT
    )


def test_a_compound_whose_name_part_is_in_the_passage_is_no_new_name():
    assert issue_kinds("Binary data is sent Base64-encoded, about 34% larger.", ENCODING) == []
    assert "name" in issue_kinds("Binary data is sent Base85-encoded, about 34% larger.", ENCODING)


def test_a_count_the_answer_enumerates_itself_is_checked_through_its_items():
    enumerated = "There are two time limits: a hard one that kills the process and a soft one that raises an exception."
    assert issue_kinds(enumerated, LIMITS_KINDS) == []
    # a count that does not match the items that follow is still a number the passage lacks
    assert "number" in issue_kinds("There are three time limits: a hard one and a soft one.", LIMITS_KINDS)


def test_an_item_of_a_list_has_no_polarity_of_its_own():
    assert issue_kinds("Since 4.0 the default serializer is JSON rather than pickle.", SERIALIZERS) == []
    assert "negation" in issue_kinds("Since 4.0 the default serialization is not JSON.", SERIALIZERS)


def test_an_opposite_word_is_a_flipped_claim():
    assert "negation" in issue_kinds("The application instance is evaluated eagerly, as soon as it is created.", APP)
    assert issue_kinds("The application instance is evaluated lazily, only once it's first used.", APP) == []


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
    assert "negation" in issue_kinds("When a task raises an exception, it isn't acknowledged by the worker.", ACKS)


POOL = (
    "The maximum number of connections that can be open in the connection pool. The pool is enabled by default "
    "since version 2.5, with a default limit of ten connections."
)


def test_a_release_number_is_not_a_rival_for_a_count():
    assert issue_kinds("It caps how many connections the pool may hold open, ten by default.", POOL) == []
    assert issue_kinds("Pooling has been on by default since 2.5.", POOL) == []
    assert "number" in issue_kinds("The pool is enabled by default since version 2.6.", POOL)


# ----------------------------------------------------------------------------------------------- third round
# General rules added while test2 was development data (issue E item 5, third round); each pinned both ways.

PROXY = (
    "Although there are many HTTP proxies available, we strongly advise that you use Nginx_. If you choose "
    "another proxy server you need to make sure that it buffers slow clients when you use default workers."
)


def test_an_absent_name_counts_only_where_the_passage_names_another():
    # the product the docs are about, or a general term, is context a chunk often lacks
    assert issue_kinds("For Gunicorn we strongly advise that you use Nginx as the proxy.", PROXY) == []
    # the same kind of name where the restated sentence has its own: a substitution (rst's "Nginx_" is Nginx)
    assert "name" in issue_kinds("We strongly advise that you use HAProxy as the proxy.", PROXY)


CONFIRM = (
    "In some cases you could want to prompt for something and then ask the user to confirm it by typing it "
    "twice. You can do it passing the parameter confirmation_prompt=True."
)


def test_a_keyword_argument_name_is_an_identifier():
    assert (
        issue_kinds("To have the user confirm the value by typing it twice, pass confirmation_prompt=True.", CONFIRM)
        == []
    )
    assert "name" in issue_kinds(
        "To have the user confirm the value by typing it twice, pass hide_input=True.", CONFIRM
    )
    # "a second time" is an ordinal, not one second
    assert issue_kinds("The user then types it a second time to confirm it.", CONFIRM) == []


COOKIE = "MAX_COOKIE_SIZE Warn if cookie headers are larger than this many bytes. Defaults to 4093."


def test_a_bare_default_has_the_unit_its_prose_names():
    assert issue_kinds("Flask warns about cookie headers larger than 4093 bytes by default.", COOKIE) == []
    assert "number" in issue_kinds("Flask warns about cookie headers larger than 4093 kilobytes by default.", COOKIE)


DOTENV = "You can tell Flask not to load dotenv files by setting the FLASK_SKIP_DOTENV environment variable."
TEARDOWN = "The teardown callbacks are independent of the request dispatch."


def test_negations_worded_as_verbs_and_prefixes():
    assert issue_kinds("Set FLASK_SKIP_DOTENV to stop Flask from loading dotenv files.", DOTENV) == []
    assert issue_kinds("The FLASK_SKIP_DOTENV environment variable turns off loading dotenv files.", DOTENV) == []
    assert "negation" in issue_kinds(
        "Setting the FLASK_SKIP_DOTENV environment variable makes Flask load dotenv files.", DOTENV
    )
    assert issue_kinds("Teardown callbacks don't depend on the request dispatch.", TEARDOWN) == []
    assert "negation" in issue_kinds("Teardown callbacks depend on the request dispatch.", TEARDOWN)


WORKERS = "The -w option specifies the number of processes to run; a starting value could be CPU * 2."


def test_the_operand_of_a_multiplication_is_a_number():
    assert issue_kinds("Twice the number of CPUs is a reasonable start for the -w option.", WORKERS) == []
    assert "number" in issue_kinds("Three times the number of CPUs is a reasonable start for the -w option.", WORKERS)


STATIC = (
    "However, if the blueprint does not have a url_prefix, it is not possible to access the blueprint's static folder."
)


def test_only_if_restating_the_condition_the_passage_states():
    assert (
        issue_kinds("A blueprint's static folder can be accessed only if the blueprint has a url_prefix.", STATIC) == []
    )
    assert "condition" in issue_kinds(
        "A blueprint's static folder can be accessed only if the app runs in debug mode.", STATIC
    )


COMPRESSION = "bzip2 creates smaller files than gzip, but compression and decompression speeds are noticeably slower."


def test_a_word_english_hardly_uses_is_a_name():
    assert issue_kinds("bzip2 makes smaller files than gzip, but it compresses more slowly.", COMPRESSION) == []
    assert "name" in issue_kinds("lzma makes smaller files than gzip, but it compresses more slowly.", COMPRESSION)
