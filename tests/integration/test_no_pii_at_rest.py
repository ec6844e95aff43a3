"""Seed questions full of PII and secrets, run them, then scan every table (and the logs) for the raw values."""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

RAW = {
    "email": "maria.garcia@northwind-customer.com",
    "phone": "+1 (415) 555-0199",
    "card": "4539 1488 0343 6467",
    "iban": "DE89370400440532013000",
    "ssn": "536-22-8411",
    "ip": "203.0.113.77",
    "aws": "AKIAZ7QX4KJ2M9TBW3PL",
    "slack": "xoxb-2718281828-3141592653-Zq8wErTy7UiOp4AsDfGhJkLx",
    "github": "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw",
    "password": "Sup3r-S3cret-Pa55!",
    "pem": "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0",
    # issue K: formats the first guard let through
    "mastercard_2_series": "2720 9912 3456 7894",
    "visa_19_digits": "4841241182449353489",
    "maestro_12_digits": "587662702899",
    "intl_phone": "+41 53 147 37 99",
    "intl_phone_00": "0044 20 7946 0958",
    "local_phone": "079 123 45 67",
    "gitlab": "glpat-7lQMYsC4J0klBcHtpnQ3",  # only detect-secrets knows this format
    "twilio": "AC0f3a9b2c4d5e6f708192a3b4c5d6e7f8",  # detect-secrets only as well
}

QUESTIONS = [
    f"I'm {RAW['email']}, call me at {RAW['phone']}: how long before a page escalates to the secondary?",
    f"Expense refund to IBAN {RAW['iban']} or card {RAW['card']} — what is the hotel cap?",
    f"My SSN is {RAW['ssn']} and my laptop IP is {RAW['ip']}; how do I set up the VPN?",
    f"Deploy fails with aws key {RAW['aws']} and token {RAW['slack']} — what are the freeze windows?",
    f"CI uses {RAW['github']} and the API returns 429 with bearer {RAW['jwt']}, what are the rate limits?",
    f"db password={RAW['password']} does not work, who reviews code?",
    f"-----BEGIN RSA PRIVATE KEY-----\n{RAW['pem']}\n-----END RSA PRIVATE KEY-----\n"
    "is pasting this in a postmortem ok?",
    f"Card {RAW['mastercard_2_series']} was declined, and so was the visa {RAW['visa_19_digits']} and the maestro "
    f"card {RAW['maestro_12_digits']}: what is the hotel cap?",
    f"Abroad this week, reach me on {RAW['intl_phone']} or {RAW['intl_phone_00']}, my mobile at home is "
    f"{RAW['local_phone']}: how long before a page escalates?",
    f"The release job pushes tags with {RAW['gitlab']} and texts through twilio {RAW['twilio']}; who reviews code?",
]


def _all_text(url: str) -> str:
    """Every row of every user table in the public schema, as text."""
    parts = []
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        ).fetchall()
        assert len(tables) >= 7
        for (table,) in tables:
            for row in conn.execute(sql.SQL("SELECT t::text FROM {} t").format(sql.Identifier(table))):
                parts.append(row[0])
    return "\n".join(parts)


def test_no_raw_pii_or_secret_reaches_postgres_or_logs(pipeline, caplog):
    caplog.set_level(logging.DEBUG)
    results = [pipeline.ask(q, ["handbook"]) for q in QUESTIONS]
    assert all(r.guard["pii_in"]["found"] for r in results)
    assert any(r.guard["pii_in"]["secrets"] for r in results)
    for r in results:  # what is returned to the caller is redacted too
        assert not any(v in r.question_redacted or v in r.answer for v in RAW.values())

    stored = _all_text(pipeline.database_url)
    assert stored.count("<EMAIL_ADDRESS>") >= 1, "the redacted questions must be stored"
    leaked = {k: v for k, v in RAW.items() if v in stored or v.replace(" ", "") in stored}
    assert leaked == {}, f"raw values found in Postgres: {sorted(leaked)}"

    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert not [k for k, v in RAW.items() if v in logged]


def test_secret_notice_is_in_the_verdict_without_the_value(pipeline):
    r = pipeline.ask(f"is {RAW['aws']} safe to share? how long before a page escalates?", ["handbook"])
    assert r.guard["pii_in"] == {
        "found": True,
        "entities": {"AWS_ACCESS_KEY": 1},
        "secrets": True,
        "ner": "not configured",  # names and places were not checked, and the verdict says so
    }
    assert RAW["aws"] not in str(r.as_dict())
