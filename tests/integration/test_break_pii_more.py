"""More attacks on "no PII at rest": values the way people paste them that the redaction did not see through —
characters that show as nothing inside a value, a value percent-encoded in a link — and an expert's long reply cut
before it was redacted. Through the real pipeline or the real listener (real Postgres, the Slack stand-in); then
every table and the log."""

from __future__ import annotations

import logging

import pytest

from bot.feedback_blocks import CORRECTION_MAX_CHARS
from bot.feedback_listeners import FeedbackListeners
from core import db
from slack_standin import ALICE, BOB, BOT_USER_ID, GENERAL
from tests.conftest import make_settings
from tests.support import standin_fixtures
from tests.support.pii_scan import all_text
from tests.support.records import add_interaction
from workers.slack import store as slack_store
from workers.slack.store import RequestKey

slack, client = standin_fixtures.slack, standin_fixtures.client

ZWSP, ZWJ, WORD_JOINER, SOFT_HYPHEN, BOM = "\u200b", "\u200d", "\u2060", "\u00ad", "\ufeff"
# Characters that show as nothing: copied from a web page or a PDF (a soft hyphen where a line was broken, a
# zero-width space where an address was protected from scrapers) they sit inside the value the person pasted.
INVISIBLE = {
    "email_zwsp": ("maria.garcia" + ZWSP + "@northwind-customer.com", ["maria.garcia", "northwind-customer"]),
    "card_soft_hyphens": (
        SOFT_HYPHEN.join(["4539", "1488", "0343", "6467"]),
        ["1488" + SOFT_HYPHEN, SOFT_HYPHEN + "0343"],  # what a partial redaction would leave
    ),
    "phone_word_joiners": ("+41" + WORD_JOINER + "44 123 45 67", ["123 45 67"]),
    "github_token_zwj": ("ghp_" + ZWJ + "R7dQm2Xk9LpWv4Ns8Tb3Yc6Hj1Ze5Ga0Uf2Q", ["R7dQm2Xk9LpWv4Ns8Tb3"]),
    "slack_token_bom": ("xoxb-" + BOM + "2741963058-5512893377140-kP9sQ2mZ7vX4cL8nR1tB6wYd", ["kP9sQ2mZ7vX4"]),
}


def _leaks(stored: str, value: str, fragments: list[str]) -> list[str]:
    visible = "".join(ch for ch in value if ch not in (ZWSP, ZWJ, WORD_JOINER, SOFT_HYPHEN, BOM))
    return [form for form in (value, visible, *fragments) if form in stored]


def _stored_and_logged(pipeline, caplog, question: str, kind: str) -> tuple[str, str]:
    """Ask `question` (its PII must be found); then all Postgres holds with the redacted question, and the log."""
    caplog.set_level(logging.DEBUG)
    result = pipeline.ask(question, ["handbook"])
    assert result.guard["pii_in"]["found"], f"{kind} was not recognised"
    stored = all_text(pipeline.database_url) + "\n" + result.question_redacted
    return stored, "\n".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("kind", sorted(INVISIBLE))
def test_a_value_with_invisible_characters_inside_is_redacted_before_anything_is_stored(pipeline, caplog, kind):
    value, fragments = INVISIBLE[kind]
    question = f"I pasted {value} into the form: what is the hotel cap in London?"
    stored, logged = _stored_and_logged(pipeline, caplog, question, kind)
    assert _leaks(stored, value, fragments) == [], f"{kind} reached Postgres"
    assert _leaks(logged, value, fragments) == [], f"{kind} reached the log"


# A link copied from an admin console or a CRM carries the customer's address and phone in its query string,
# percent-encoded the way a browser writes them.
LINK = (
    "https://billing.example.com/customers?email=maria.garcia%40northwind-customer.com"
    "&phone=%2B41%2044%20123%2045%2067&tab=invoices"
)


def test_values_percent_encoded_in_a_pasted_link_are_redacted_before_anything_is_stored(pipeline, caplog):
    caplog.set_level(logging.DEBUG)
    result = pipeline.ask(f"This customer's page {LINK} shows a hotel in London: what is the cap?", ["handbook"])
    assert result.guard["pii_in"]["entities"].get("EMAIL_ADDRESS") == 1, result.guard["pii_in"]
    assert result.guard["pii_in"]["entities"].get("PHONE_NUMBER") == 1, result.guard["pii_in"]
    stored = all_text(pipeline.database_url) + "\n" + result.question_redacted
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for form in ("maria.garcia", "northwind-customer", "%2B41", "123%2045%2067"):
        assert form not in stored, f"{form!r} reached Postgres"
        assert form not in logged, f"{form!r} reached the log"


def test_an_experts_long_reply_is_redacted_before_it_is_cut_to_a_corrections_length(
    clean_db, pii_guard, slack, client, caplog
):
    """A reply to "I don't know" is kept as a candidate correction of at most CORRECTION_MAX_CHARS characters. An
    address that straddles the cut must not be cut first: what is left of it ("maria.garcia@northw") is no
    address to any recognizer, and was stored as typed."""
    caplog.set_level(logging.DEBUG)
    key = RequestKey(slack.team_id, GENERAL, "1700000000.000100")
    with db.connect(clean_db) as conn:
        add_interaction(
            conn, slack.team_id, "what is the guest wifi password?", status="dont_know", id=key.interaction_id()
        )
        slack_store.create_request(
            conn,
            key,
            thread_ts=key.message_ts,
            user_id=ALICE,
            kind="mention",
            question_redacted="what is the guest wifi password?",
            pii={},
            reply_mode="in_channel",
        )
        conn.commit()
    email = "maria.garcia@northwind-customer.com"
    sentence = "The guest network password is on the sticker under the router in the meeting room. "
    head = (sentence * (CORRECTION_MAX_CHARS // len(sentence) + 1))[: CORRECTION_MAX_CHARS - 20] + " "
    reply = f"{head}{email} can reset it."  # the cut falls after "maria.garcia@northw"
    event = {"type": "message", "user": BOB, "ts": "1700000050.000200", "channel": GENERAL, "thread_ts": key.message_ts}
    listeners = FeedbackListeners(make_settings(clean_db), pii_guard, clean_db)

    assert listeners.capture_expert_reply({**event, "text": reply}, slack.team_id, client, BOT_USER_ID)

    with db.connect(clean_db) as conn:
        [label] = conn.execute("SELECT correction, pii FROM labels WHERE source = 'thread_reply'").fetchall()
    assert label["correction"].startswith(head[:200]) and len(label["correction"]) <= CORRECTION_MAX_CHARS
    stored = all_text(clean_db)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for form in ("maria.garcia", "maria.garcia@northw"):
        assert form not in stored, f"{form!r} reached Postgres"
        assert form not in logged, f"{form!r} reached the log"


# Values typed to get past a filter: an address in Slack's italic underscores (as /ask sends it, raw), spelled out,
# a card in dotted groups or one group per line, a key with no word naming it (guardrails/emails, cards, secrets).
TYPED_PAST = {
    "email_in_italics": (
        "why does _maria.garcia@northwind-customer.com_ get no mail",
        ["maria.garcia", "northwind-customer"],
    ),
    "email_spelled_out": (
        "mail maria.garcia [at] northwind-customer [dot] com",
        ["maria.garcia", "northwind-customer"],
    ),
    "card_dotted": ("the card 4539.1488.0343.6467 was declined", ["4539.1488", "0343.6467"]),
    "card_per_line": ("she typed\n4539\n1488\n0343\n6467\nin the form", ["1488\n0343"]),
    "bare_key": ("is Zq8mR2kLp9XwN4vB7tY1cJ6hG3fD5sA0eQuIoPzx still valid?", ["Zq8mR2kLp9XwN4vB7tY1c"]),
}


@pytest.mark.parametrize("kind", sorted(TYPED_PAST))
def test_a_value_typed_past_the_filter_is_redacted_before_anything_is_stored(pipeline, caplog, kind):
    text, fragments = TYPED_PAST[kind]
    stored, logged = _stored_and_logged(pipeline, caplog, f"{text} - and what is the hotel cap in London?", kind)
    assert [f for f in fragments if f in stored] == [], f"{kind} reached Postgres"
    assert [f for f in fragments if f in logged] == [], f"{kind} reached the log"
