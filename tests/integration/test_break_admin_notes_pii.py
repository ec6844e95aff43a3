"""PII an admin pastes into a --note or a --reason (subprocess, real Postgres): it is redacted before it is
stored — in the label, the prompt history and reviews and the audit log — like every other text Answerloop keeps."""

from __future__ import annotations

import json

from core import db
from feedback import labels
from feedback import prompt_versions as pv
from tests.support.cli_runner import run_cli
from tests.support.records import add_interaction

EMAIL, PHONE = "jane.doe@example.com", "+1 415 555 0100"
PII = f"called {EMAIL} — ünïcode ✓\nnew line, or {PHONE}"


def _stored_text(url: str) -> str:
    """Everything the admin commands write their notes and reasons into, as one text."""
    with db.connect(url) as conn:
        rows = [
            *conn.execute("SELECT actor, action, target, details FROM admin_actions").fetchall(),
            *conn.execute("SELECT review_note FROM labels").fetchall(),
            *conn.execute("SELECT reason FROM prompt_activations").fetchall(),
            *conn.execute("SELECT * FROM prompt_reviews").fetchall(),
            *conn.execute("SELECT * FROM prompt_canaries").fetchall(),
            *conn.execute("SELECT * FROM verified_answers").fetchall(),
        ]
    return json.dumps(rows, default=str, ensure_ascii=False)


def test_pii_in_a_note_or_a_reason_is_redacted_before_it_is_stored(clean_db):
    with db.connect(clean_db) as conn:
        conn.execute("INSERT INTO collections (name) VALUES ('handbook')")
        made = []
        for k in range(3):
            iid = add_interaction(conn, "", f"Door code {k}?", status="dont_know", answer="?", collections=["handbook"])
            made.append(labels.record_correction(conn, iid, correction=f"Ask IT ({k}).", user_id="U3", channel_id="C1"))
        seed = pv.active_version(conn)
        versions = [
            pv.create_version(
                conn,
                instructions=seed.instructions + f"\nV{i}.",
                few_shot=[],
                author="retune",
                params=seed.params,
                parent_id=seed.id,
                scope="",
            )
            for i in range(3)
        ]
        for v in versions:
            pv.set_review(conn, v, "pending")
        conn.commit()
    a, b, c = map(str, made)
    v2, v3, v4 = map(str, versions)
    commands = [
        ("labels", "approve", a, "--collection", "handbook", "--owner", "U0OWNER01", "--note", PII),
        ("labels", "reject", b, "--note", PII),
        ("verified", "retire", a, "--note", PII),
        ("prompts", "canary", v2, "--percent", "10", "--reason", PII),
        ("prompts", "rollback", "--reason", PII),
        ("prompts", "activate", v2, "--reason", PII),
        ("prompts", "rollback", "--reason", PII),
        ("prompts", "canary", v2, "--percent", "10"),
        ("prompts", "promote", v2, "--reason", PII),
        ("prompts", "approve", v3, "--note", PII),
        ("prompts", "reject", v4, "--note", PII),
    ]
    for args in commands:
        r = run_cli(clean_db, *args)
        assert r.returncode == 0, (args, r.stderr[-1500:])
    stored = _stored_text(clean_db)
    assert EMAIL not in stored and "555 0100" not in stored, stored
    assert stored.count("<EMAIL_ADDRESS>") >= len(commands) - 1, stored  # each one kept, redacted
    assert "ünïcode ✓" in stored  # the rest of the note is kept as written
    with db.connect(clean_db) as conn:
        assert labels.get_label(conn, int(c))["status"] == "pending"
    shown = run_cli(clean_db, "labels", "show", b)
    assert shown.returncode == 0 and "<EMAIL_ADDRESS>" in shown.stdout and EMAIL not in shown.stdout
