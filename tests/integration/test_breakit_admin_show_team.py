"""`collections show` and `channels show` take `--team` like their `set` (subprocess, real Postgres)."""

from __future__ import annotations

from core import db
from tests.integration.test_break_admin_outputs import _clear_error, _install, _ok, cli

# ------------------------------------------------------------------------------------------ --team on show


def test_collections_show_and_channels_show_take_team_and_refuse_a_typo(clean_db):
    _install(clean_db, "T0ALPHA01", "T0BRAVO02")
    with db.connect(clean_db) as conn:
        conn.execute("INSERT INTO collections (name, team_id) VALUES ('alpha-docs', 'T0ALPHA01')")
        conn.execute("INSERT INTO collections (name, team_id) VALUES ('bravo-docs', 'T0BRAVO02')")
        conn.commit()
    _ok(cli(clean_db, "channels", "set", "T0ALPHA01/C0ALPHA01", "-c", "alpha-docs"))
    _ok(cli(clean_db, "channels", "set", "T0BRAVO02/C0BRAVO02", "-c", "bravo-docs"))
    alpha = _ok(cli(clean_db, "collections", "show", "--team", "T0ALPHA01"))
    assert "alpha-docs" in alpha and "bravo-docs" not in alpha
    both = _ok(cli(clean_db, "collections", "show"))  # without --team: every collection, as before
    assert "alpha-docs" in both and "bravo-docs" in both
    bravo = _ok(cli(clean_db, "channels", "show", "--team", "T0BRAVO02"))
    assert "T0BRAVO02/C0BRAVO02" in bravo and "T0ALPHA01" not in bravo
    both = _ok(cli(clean_db, "channels", "show"))
    assert "T0BRAVO02/C0BRAVO02" in both and "T0ALPHA01/C0ALPHA01" in both
    for command in ("collections", "channels"):
        _clear_error(cli(clean_db, command, "show", "--team", "T0ALPHX01"), "T0ALPHX01", "T0ALPHA01")
        _clear_error(cli(clean_db, command, "show", "--team", "general"), "general", "T0123ABCD")
