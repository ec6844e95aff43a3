"""`audit --team T` shows every change recorded about the workspace (subprocess, real Postgres)."""

from __future__ import annotations

import json

from core import db
from tests.integration.test_break_admin_outputs import _install, _ok, cli


def test_a_workspaces_audit_shows_its_collection_and_channel_changes(clean_db):
    """With several workspaces installed `audit` must be given --team, and it showed only label, verified-answer
    and prompt changes: who restricted a collection or reconfigured a channel of the workspace was recorded but
    no command could show it."""
    _install(clean_db, "T0ALPHA01", "T0BRAVO02")
    with db.connect(clean_db) as conn:
        conn.execute("INSERT INTO collections (name, team_id) VALUES ('docs', 'T0ALPHA01')")
        conn.commit()
    _ok(cli(clean_db, "collections", "set", "docs", "--visibility", "restricted", "--channel", "C0SECRET1"))
    _ok(cli(clean_db, "channels", "set", "T0ALPHA01/C0GENERAL", "-c", "docs"))
    alpha = json.loads(_ok(cli(clean_db, "audit", "--team", "T0ALPHA01", "--format", "json")))["actions"]
    assert [(a["action"], a["target"]) for a in alpha] == [
        ("channels.set", "T0ALPHA01/C0GENERAL"),
        ("collections.set", "docs"),
    ]
    assert json.loads(_ok(cli(clean_db, "audit", "--team", "T0BRAVO02", "--format", "json")))["actions"] == []
