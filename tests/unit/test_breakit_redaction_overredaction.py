"""Break-it, the other way: redaction that takes the words a documentation question needs. A four-part version
number named as one ("version 10.2.0.1") is not an address; a connection-string template's "password" is not a
credential; timestamps, ports, ids failing Luhn, commit hashes and UUIDs stay. What stays PII is pinned too.
Through `PiiGuard.redact`, the entry point the pipeline calls on every question."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "what changed in version 10.2.0.1 of the agent?",
        "release 4.2.1.10 broke the installer",
        "firmware: 1.0.3.7 on the switches",
        "is v1.2.3.4 still supported",
        "the docs say `postgres://user:password@localhost/db` is the format",
        "connection string format: postgres://USER:PASSWORD@HOST:5432/DB",
        "DATABASE_URL=postgres://app:${DB_PASS}@db/app in the compose file",
        "DATABASE_URL=postgres://app:&lt;password&gt;@db/app in the compose file",
        "the build 2024-03-15T10:22:33Z failed at 2024-03-15 10:22:33.123456+00:00",
        "listen on port 8080 and 5432 and 6379",
        "ticket 4111111111111112 and order 123456789012345 are stuck",  # Luhn fails / no brand
        "commit 3f2a9c1e8b7d6f5a4c3b2a1908f7e6d5c4b3a291 broke CI",
        "request id 7f3a2b1c-9d8e-4f7a-b6c5-d4e3f2a1b0c9 failed",
        "the CIDR 10.0.0.0/8 overlaps",
        "our MAC is 00:1A:2B:3C:4D:5E",
        "timestamp 1699999999 and epoch 1699999999123 in logs",
        "docker run -u node:node builds as which user?",  # a user:group, not user:password
        "docker run -u 1000:1000 or -u $(id -u):$(id -g)?",
        "curl -u $USER:$TOKEN https://api.example.com",
        "mysql -u root -p mydb asks for the password",
    ],
)
def test_technical_words_of_a_question_stay(pii_guard, text):
    red = pii_guard.redact(text)
    assert red.text == text, red.entity_counts


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("we upgraded from 1.2.3.4 to 1.2.4.0 yesterday", "1.2.3.4", "IP_ADDRESS"),  # no version word: an address
        ("ssh to 10.2.0.1 and check the version", "10.2.0.1", "IP_ADDRESS"),
        ("postgres://app:Zq8pLm2xR4@db/app", "Zq8pLm2xR4", "GENERIC_SECRET"),
        ("postgres://postgres:postgres@localhost/postgres", ":postgres@", "GENERIC_SECRET"),  # a default is a password
        ("postgres://app:passwordZ9x@db/app", "passwordZ9x", "GENERIC_SECRET"),
    ],
)
def test_values_that_look_like_the_kept_words_are_still_redacted(pii_guard, text, value, entity):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text
    assert entity in red.entity_counts
