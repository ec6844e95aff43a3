"""Break-it: values the redaction used to miss, asked through the real pipeline (real Postgres, real retrieval) —
then every table and the log must hold none of them. Each is how a person really pastes it: an address written
against Japanese text, a password holding "&" as Slack sends it (``&amp;``), ``curl -u user:pass``, an SSN without
dashes, a token wrapped onto a second line, another Authorization scheme."""

from __future__ import annotations

import logging

import pytest

from tests.support.pii_scan import all_text

CASES = {
    "email_in_japanese": ("メールはtaro.yamada@northwind-customer.jpです。", ["taro.yamada", "northwind-customer"]),
    "password_with_slack_escaped_amp": ("my password: Tr0ub4dor&amp;3xQ", ["Tr0ub4dor", "&amp;3xQ"]),
    "curl_user_password": ("curl -u deploy:Zq8pLm2xR4vT https://api.example.com", ["Zq8pLm2xR4vT"]),
    "ssn_without_dashes": ("my ssn is 536221234", ["536221234"]),
    "token_over_two_lines": (
        "xoxb-2741963058-\n5512893377140-kP9sQ2mZ7vX4cL8nR1tB6wYd",
        ["5512893377140", "kP9sQ2mZ7vX4"],
    ),
    "authorization_token_scheme": ("Authorization: Token 9f8e7d6c5b4a39281706f5e4d3", ["9f8e7d6c5b4a39281706f5e4d3"]),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_value_once_missed_reaches_neither_postgres_nor_the_log(pipeline, caplog, kind):
    value, fragments = CASES[kind]
    caplog.set_level(logging.DEBUG)
    result = pipeline.ask(f"{value}\nwhat is the hotel cap in London?", ["handbook"])
    assert result.guard["pii_in"]["found"], f"{kind} was not recognised: {result.question_redacted!r}"
    stored = all_text(pipeline.database_url) + "\n" + result.question_redacted
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for form in fragments:
        assert form not in stored, f"{kind}: {form!r} reached Postgres"
        assert form not in logged, f"{kind}: {form!r} reached the log"
