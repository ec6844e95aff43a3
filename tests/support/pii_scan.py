"""Seeded PII and secrets of every format the guard must catch, and a scan of every table for raw values:
shared by the at-rest tests of Postgres, Redis and the logs."""

from __future__ import annotations

import base64
import json

import psycopg
import redis
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
    "person": "Priya Raman",  # a name, found without an NER model (guardrails/person_names.py)
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
    f"My manager {RAW['person']} says I need two approvals, who reviews code?",
]


def all_text(url: str) -> str:
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


def redis_text(url: str) -> str:
    """Every key and value in Redis as text, Celery's base64 message bodies decoded (a question in a task's
    arguments would not show in the raw dump)."""
    r = redis.Redis.from_url(url)
    parts: list[str] = []
    for key in r.scan_iter():
        parts.append(key.decode(errors="replace"))
        kind = r.type(key).decode()
        if kind == "string":
            values = [r.get(key)]
        elif kind == "list":
            values = r.lrange(key, 0, -1)
        elif kind == "hash":
            values = list(r.hgetall(key).values())
        elif kind == "set":
            values = list(r.smembers(key))
        elif kind == "zset":
            values = r.zrange(key, 0, -1)
        else:
            values = []
        for value in values:
            text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
            parts.append(text)
            try:
                body = json.loads(text)
                if isinstance(body, list):  # unacked entries: [message, exchange, routing key]
                    body = body[0]
                parts.append(base64.b64decode(body["body"]).decode(errors="replace"))
            except (ValueError, TypeError, KeyError, IndexError):
                pass
    return "\n".join(parts)
