"""Seed questions full of PII and secrets, run them, then scan every table (and the logs) for the raw values."""

from __future__ import annotations

import logging

from tests.support.pii_scan import QUESTIONS, RAW, all_text


def test_no_raw_pii_or_secret_reaches_postgres_or_logs(pipeline, caplog):
    caplog.set_level(logging.DEBUG)
    results = [pipeline.ask(q, ["handbook"]) for q in QUESTIONS]
    assert all(r.guard["pii_in"]["found"] for r in results)
    assert any(r.guard["pii_in"]["secrets"] for r in results)
    for r in results:  # what is returned to the caller is redacted too
        assert not any(v in r.question_redacted or v in r.answer for v in RAW.values())

    stored = all_text(pipeline.database_url)
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
