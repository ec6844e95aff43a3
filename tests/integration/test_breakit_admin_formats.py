"""`labels list`, `prompts list` and `audit` print `--format table|json|csv` like `gaps` (subprocess, real
Postgres)."""

from __future__ import annotations

import json

from core import db
from tests.integration.test_break_admin_outputs import _ok, cli
from tests.integration.test_breakit_admin_csv import _csv, _unsafe
from tests.support.records import add_interaction

# ------------------------------------------------------------------------------------------ --format on listings


def _seed_label(url: str, question: str) -> None:
    from feedback import labels

    with db.connect(url) as conn:
        iid = add_interaction(conn, "", question, answer="＋answer")
        labels.record_vote(conn, iid, kind="up", reaction="+1", user_id="U1", channel_id="C1")
        conn.commit()


def test_labels_list_prompts_list_and_audit_print_json_and_safe_csv(clean_db):
    _seed_label(clean_db, '=HYPERLINK("http://evil.example") expense policy?')
    _ok(cli(clean_db, "labels", "reject", "1", "--note", "@mention spam"))
    labels_json = json.loads(_ok(cli(clean_db, "labels", "list", "--format", "json")))["labels"]
    assert [(r["id"], r["status"], r["question"][:10]) for r in labels_json] == [(1, "rejected", "=HYPERLINK")]
    header, *rows = _csv(_ok(cli(clean_db, "labels", "list", "--format", "csv")))
    assert "id" in header and "question" in header and len(rows) == 1
    assert rows[0][header.index("question")].startswith("'=HYPERLINK")
    assert rows[0][header.index("answer")] == "'＋answer"

    versions = json.loads(_ok(cli(clean_db, "prompts", "list", "--format", "json")))["versions"]
    assert [(v["id"], v["active"]) for v in versions] == [(1, True)]
    header, *rows = _csv(_ok(cli(clean_db, "prompts", "list", "--format", "csv")))
    assert "id" in header and "active" in header and len(rows) == 1

    actions = json.loads(_ok(cli(clean_db, "audit", "--format", "json")))["actions"]
    assert [(a["action"], a["target"], a["actor"]) for a in actions] == [("labels.reject", "label:1", "ann")]
    header, *rows = _csv(_ok(cli(clean_db, "audit", "--format", "csv")))
    assert header[:4] == ["at", "actor", "action", "target"] and len(rows) == 1
    assert all(not _unsafe(c) for c in rows[0]), rows

    # the table stays the default, and an empty listing is valid output in every format
    table = _ok(cli(clean_db, "labels", "list"))
    assert "rejected" in table and "expense policy" in table and not table.lstrip().startswith("{")
    assert json.loads(_ok(cli(clean_db, "labels", "list", "--status", "approved", "--format", "json"))) == {
        "labels": []
    }
    assert _csv(_ok(cli(clean_db, "labels", "list", "--status", "approved", "--format", "csv")))[0][0] == "id"
    r = cli(clean_db, "audit", "--format", "xml")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "'xml' is not one of" in r.stderr
