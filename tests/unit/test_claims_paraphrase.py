"""The exact claim checks on the fourth round's rule families (pure): siblings swapped within the passages,
steps put in the other order, paraphrased negations (conditions worded with "unless", verbs too common to
be retrieval terms, double "no", "prevent … from"), quantifiers the passages restrict and phrases the answer
repeats.

As in ``test_claims_generalisation``, each behaviour is pinned from both sides where the check has both: the
faithful wording passes and a one-fact edit of it is caught, so a rule that switched a check off would fail.
"""

from __future__ import annotations

from tests.support.claims import issue_kinds

PROCESSES = (
    "A central master process manages a set of worker processes. The master never knows anything about "
    "clients. All requests and responses are handled completely by worker processes."
)
UPGRADE = "To upgrade, first stop the old service, then copy the new binary into place."
RELOADER = "The loader tries inotify first, with a fallback to file system polling."
ISOLATION = "Switch the database to READ-COMMITTED if you don't really need repeatable reads."
CALLABLE = "The proxy will look for a callable named application if not specified."
LOCK = "The scheduler tracks its jobs in memory, so it doesn't need a lock file."
MODULE_PATH = "The config file does not have to be on the module path."
RARE = "In the rare case that you need the process id, read it from the pid file."
DEPENDENCY = "Typer uses Click internally. That's the only dependency."
MAX_REQUESTS = (
    "Command line: --max-requests INT. The maximum number of requests a worker will process before restarting. "
    "The restart per worker is randomized by randint(0, max_requests_jitter)."
)
NOT_ALL = "Not all settings are available on the command line."
ONLY_THREADED = "This setting only affects the threaded worker type."
DOWNTIME = "You can replace the binary without any service downtime - no incoming requests will be lost."
PRELOAD = "By preloading an application you can save some RAM as well as speed up server boot times."
SERIALIZERS = "We have built-in support for JSON, YAML, Pickle, and msgpack."
REJECTS = "Tasks that raise an exception are still acknowledged, and the worker rejects messages with encoding errors."


def test_a_sibling_of_the_passage_put_where_it_says_the_other_is_a_swapped_name():
    # "master process" / "worker processes": two modifiers of one head noun, both in the passage
    assert issue_kinds("All requests and responses are handled completely by worker processes.", PROCESSES) == []
    assert "name" in issue_kinds("All requests and responses are handled completely by the master process.", PROCESSES)


def test_steps_in_the_opposite_order_of_the_passage():
    assert issue_kinds("Stop the old service, then copy the new binary into place.", UPGRADE) == []
    assert "condition" in issue_kinds("Copy the new binary into place, then stop the old service.", UPGRADE)
    # a fallback orders its steps too
    assert issue_kinds("The loader tries inotify and falls back to file system polling.", RELOADER) == []
    assert "condition" in issue_kinds("The loader tries file system polling and falls back to inotify.", RELOADER)
    # "before" / "after" may order the clauses either way: no verdict from the step order then
    assert issue_kinds("Before you copy the new binary into place, stop the old service.", UPGRADE) == []


def test_unless_restates_if_not():
    assert (
        issue_kinds("Unless you really need repeatable reads, switch the database to READ-COMMITTED.", ISOLATION) == []
    )
    assert issue_kinds("If you don't name the callable, the proxy looks for one named application.", CALLABLE) == []
    # the condition's polarity is still compared
    assert "negation" in issue_kinds(
        "Switch the database to READ-COMMITTED if you really need repeatable reads.", ISOLATION
    )


def test_a_common_verb_a_not_governs_is_a_claim():
    assert issue_kinds("The scheduler keeps its jobs in memory and needs no lock file.", LOCK) == []
    assert "negation" in issue_kinds("The scheduler tracks its jobs in memory, so it needs a lock file.", LOCK)
    assert "negation" in issue_kinds("The config file has to be on the module path.", MODULE_PATH)


def test_rarely_is_a_frequency_not_a_negation():
    assert issue_kinds("You rarely need the process id, but you can read it from the pid file.", RARE) == []
    assert "scope" in issue_kinds("You always need the process id, and you can read it from the pid file.", RARE)


def test_a_cue_the_passages_use_with_the_same_word_is_repeated_not_added():
    assert issue_kinds("Click is Typer's only dependency.", DEPENDENCY) == []
    assert "condition" in issue_kinds("Typer only uses Click on Windows.", DEPENDENCY)


def test_a_setting_is_its_flag():
    assert issue_kinds("max_requests is how many requests a worker processes before restarting.", MAX_REQUESTS) == []
    # a variant of the passage's identifier is still one
    assert "name" in issue_kinds(
        "max_request_count is how many requests a worker processes before restarting.", MAX_REQUESTS
    )


def test_a_universal_the_passages_restrict():
    assert issue_kinds("Not every setting is available on the command line.", NOT_ALL) == []
    assert "scope" in issue_kinds("Every setting is available on the command line.", NOT_ALL)
    assert issue_kinds("The setting only affects threaded workers.", ONLY_THREADED) == []
    assert "scope" in issue_kinds("The setting applies to every worker type.", ONLY_THREADED)


def test_each_no_of_a_coordination_has_its_own_scope():
    assert issue_kinds("You can replace the binary with no downtime and no lost requests.", DOWNTIME) == []
    assert "negation" in issue_kinds(
        "You can replace the binary with no downtime, but incoming requests will be lost.", DOWNTIME
    )


def test_prevent_from_reaches_past_its_object():
    passage = "Headers are trusted only from localhost. This is to prevent a malicious client from forging them."
    assert (
        issue_kinds("Headers are trusted only from localhost, so a malicious client can't forge them.", passage) == []
    )


def test_more_antonyms():
    assert issue_kinds("Preloading saves RAM and speeds up server boot times.", PRELOAD) == []
    assert "negation" in issue_kinds("Preloading saves RAM but slows down server boot times.", PRELOAD)


def test_a_proper_name_can_replace_a_lower_case_tool_name():
    assert issue_kinds("There's built-in support for JSON, YAML, pickle and msgpack.", SERIALIZERS) == []
    assert "name" in issue_kinds("There's built-in support for JSON, YAML, pickle and Protocol Buffers.", SERIALIZERS)


def test_a_not_before_a_negative_verb_denies_it():
    assert issue_kinds("The worker rejects messages that have encoding errors.", REJECTS) == []
    assert "negation" in issue_kinds("The worker doesn't reject messages with encoding errors.", REJECTS)
