"""Values written the way people type them past a filter: an address in Slack's italic underscores, a card in
dotted groups or one group per line, an address spelled out ("alice [at] example [dot] com"), a bare API key.
Through `PiiGuard.redact`, the entry point the pipeline calls on every question (workers/pipeline.py)."""

from __future__ import annotations

import pytest

ADDRESS = "alice.smith@example.com"


@pytest.mark.parametrize(
    "text",
    [
        f"why does _{ADDRESS}_ get no mail",  # Slack italic typed raw in /ask
        f"why does *{ADDRESS}* get no mail",  # bold
        f"why does ~{ADDRESS}~ get no mail",  # strike
        f"why does _*{ADDRESS}*_ get no mail",  # bold italic
        f"mail _<mailto:{ADDRESS}|{ADDRESS}>_ the report",  # how Slack sends a typed address in italics
        f"mail <mailto:{ADDRESS}|Alice> the report",
        f"why does _ops_{ADDRESS}_ bounce",
    ],
)
def test_an_address_in_slack_markup_is_redacted(pii_guard, text):
    red = pii_guard.redact(text)
    assert "alice.smith" not in red.text and "example.com" not in red.text, red.text
    assert "EMAIL_ADDRESS" in red.entity_counts


def test_the_italic_underscores_stay_around_the_placeholder(pii_guard):
    assert pii_guard.redact(f"why does _{ADDRESS}_ get no mail").text == "why does _<EMAIL_ADDRESS>_ get no mail"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("card 4111.1111.1111.1111 was declined", "4111.1111.1111.1111"),
        ("the customer pasted 5555.5555.5555.4444 in the chat", "5555.5555.5555.4444"),
        ("amex 3782.822463.10005 refund", "3782.822463.10005"),
        ("she typed it like this:\n4111\n1111\n1111\n1111\nis that a card?", "4111\n1111\n1111\n1111"),
        ("card:\n  4111 \n  1111\n  1111\n  1111\n", "4111 \n  1111\n  1111\n  1111"),
        ("4539\r\n1488\r\n0343\r\n6467", "4539\r\n1488\r\n0343\r\n6467"),
        # spaces and dashes mixed in the card's own grouping (copied from two places, retyped half way)
        ("my card is 4111 1111-1111 1111 thanks", "4111 1111-1111 1111"),
        ("pay with 5555-5555 5555-4444 please", "5555-5555 5555-4444"),
        ("amex 3782-822463 10005 refund", "3782-822463 10005"),
        ("visa 4111-1111-1111 1111", "4111-1111-1111 1111"),
    ],
)
def test_a_card_in_dotted_groups_or_one_group_per_line_is_redacted(pii_guard, text, number):
    red = pii_guard.redact(text)
    assert red.entity_counts == {"CREDIT_CARD": 1}, red.text
    assert red.text == text.replace(number, "<CREDIT_CARD>")


@pytest.mark.parametrize(
    "text",
    [
        "upgrade from 4.1.1.1 to 4111.1111.1111.1112",  # Luhn fails
        "the OID is 1.3.6.1.4.1.311.21.8 in the cert",
        "listen on 192.168.100.200 and 10.0.0.1",
        "ports in use:\n5432\n6379\n8080\n8443",
        "years:\n2019\n2020\n2021\n2022",
        "pick a version: 3.11.4 or 3.12.1, and 1699999999.123456 as the epoch",
        "1.\n2.\n3.\n4.",
        "call 0800 1234-5678 9012 or 4111 1111-1111 1112",  # Luhn fails / not an issuer range
        "ids 2024-0001 2024-0002 2024-0003 2024-0004",
    ],
)
def test_dotted_and_listed_numbers_that_are_not_cards_stay(pii_guard, text):
    assert "CREDIT_CARD" not in pii_guard.redact(text).entity_counts


@pytest.mark.parametrize(
    "text",
    [
        "mail alice [at] example [dot] com for the invoice",
        "mail alice (at) example (dot) com for the invoice",
        "mail alice{at}example{dot}com for the invoice",
        "mail alice [at] example.com for the invoice",
        "contact alice@example[.]com for the invoice",
        "contact alice[@]example.com for the invoice",
        "contact alice @ example dot com for the invoice",
        "contact alice AT example DOT com for the invoice",
        "why does alice.smith at example dot com get no mail",  # an address-only character in the local part
        "can you email alice at example dot com the payslip?",  # a mail word nearby
        "forward it to alice at mail dot example dot co dot uk",
        "write to ops [at] corp [dot] internal",  # an internal domain
        "mail _alice [at] example [dot] com_ the invoice",  # in Slack italics
        "questions to ops AT ensta-bretagne DOT fr",  # as a scipy module's docstring writes its author's
    ],
)
def test_an_obfuscated_address_is_redacted(pii_guard, text):
    red = pii_guard.redact(text)
    assert red.entity_counts.get("EMAIL_ADDRESS") == 1, red.text
    assert "alice" not in red.text and "ops " not in red.text
    assert "example" not in red.text and "corp" not in red.text


@pytest.mark.parametrize(
    "text",
    [
        "look at example dot com for the docs",  # a site, said in words
        "the new docs are at docs dot example dot com",
        "we meet at noon (at) the office",
        "is the nightly at 02:00 or at 14:00 UTC?",
        "the result is stored at result.dot.com? no, at redis.example.com",
        "alice at example dot com",  # a name or a verb? without a mail word or an address character, not told
        "email me at example dot com",  # a pronoun is no mailbox
        "the x at y dot z notation",  # no top-level domain
        "look at mail dot example dot com for the docs",  # "mail" is the host here, not a mail word
        "the Gram matrix is A @ A.mT in torch",  # a matrix product; .mt is Malta's domain
        "x = speaker_activity @ self.weight.to(dtype)",  # .to is Tonga's
        "wrap the loop in @torch.no_grad() please",  # .no is Norway's
    ],
)
def test_prose_with_at_and_dot_is_not_an_address(pii_guard, text):
    assert "EMAIL_ADDRESS" not in pii_guard.redact(text).entity_counts


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("mail alice@build_host.example.com about it", "alice@build_host.example.com"),
        ("alice@example.com_old is the alias", "alice@example.com"),
    ],
)
def test_an_underscore_inside_a_domain_does_not_hide_the_address(pii_guard, text, address):
    assert pii_guard.redact(text).text == text.replace(address, "<EMAIL_ADDRESS>")


BARE_KEY = "Zq8mR2kLp9XwN4vB7tY1cJ6hG3fD5sA0eQuIoPzx"  # 40 random base62 characters, no prefix
BARE_AWS_SHAPED = "k3Jd9/Qw+Lm2Vx7Rt4Yb8Np1Zc6Hg5Fs0Ue3WaOr"  # 40 characters of base64, as an AWS secret key


@pytest.mark.parametrize(
    "text",
    [
        BARE_KEY,
        f"is {BARE_KEY} still valid?",
        f"the vendor sent `{BARE_KEY}` - where do I put it?",
        f"curl fails with {BARE_AWS_SHAPED} as the second value",
        f"CF_AUTH={BARE_KEY} in the runner",
    ],
)
def test_a_bare_40_character_random_key_is_a_secret(pii_guard, text):
    red = pii_guard.redact(text)
    assert BARE_KEY not in red.text and BARE_AWS_SHAPED not in red.text, red.text
    assert red.secrets_found


@pytest.mark.parametrize(
    "text",
    [
        "`git show 3f2a9c1d7e8b4a6f0c1d2e3f4a5b6c7d8e9f0a1b` shows the fix",  # a git SHA: hex
        "commit 3F2A9C1D7E8B4A6F0C1D2E3F4A5B6C7D8E9F0A1B in the changelog",
        "request 02255b7c-e973-4ea7-b80b-3b48061ccc34 failed",  # a UUID
        "the runbook is Drive doc 1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",  # a Drive id: 44
        "the folder id is 1AbCdEfGhIjKlMnOpQrStUvWxYz0123456",  # a Drive folder id: 34
        "pin QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco on the gateway",  # an IPFS CID: 46
        "integrity sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC",  # SRI hash
        "digest n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg= for the artifact",  # base64 SHA-256: 44
        "see https://docs.example.com/share/Zq8mR2kLp9XwN4vB7tY1cJ6hG3fD5sA0eQuIoPzx/page",  # in a link
        "class ThisIsAVeryLongCamelCaseIdentifierName12 fails to import",  # a long CamelCase name
        "the test AbstractSingletonProxyFactoryBeanImpl2Ab is flaky",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 of the empty file",
    ],
)
def test_ids_hashes_and_names_of_other_shapes_are_not_bare_keys(pii_guard, text):
    assert not pii_guard.redact(text).secrets_found
