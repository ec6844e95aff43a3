"""The admin CLI as a demanding admin uses it (subprocess, real Postgres): machine-readable output that is valid and
complete (`--json`, `--format json|csv`, exports), user text printed as written (Rich markup, spreadsheet formulas),
repeated or impossible changes as clear one-line errors, never a traceback."""

from __future__ import annotations

import json

from core import db
from tests.support.cli_runner import run_cli
from tests.support.records import add_interaction, seed_variant


def cli(url: str, *args: str):
    return run_cli(url, *args, env={"ANSWERLOOP_ADMIN": "ann"})


def _ok(r) -> str:
    assert r.returncode == 0, (r.returncode, r.stdout[-1000:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    return r.stdout


def _clear_error(r, *needles: str) -> None:
    assert r.returncode != 0, (r.stdout[-1000:], r.stderr[-1000:])
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr[-2000:]
    for needle in needles:
        assert needle in r.stderr, (needle, r.stderr[-2000:])


# ------------------------------------------------------------------------------------------------------ stats


def test_stats_json_without_by_version_is_json(clean_db):
    empty = json.loads(_ok(cli(clean_db, "stats", "--json")))
    assert empty == {"weeks_back": 8, "weeks": []}
    with db.connect(clean_db) as conn:
        add_interaction(conn, "", "how do I deploy?")
        add_interaction(conn, "", "what is the vpn?", status="dont_know")
        conn.commit()
    out = json.loads(_ok(cli(clean_db, "stats", "--json")))
    [row] = out["weeks"]
    assert (row["version"], row["questions"], row["answered"], row["dont_know"]) == (1, 2, 1, 1)
    assert row["answered_rate"] == 0.5 and row["up_rate"] is None
    assert isinstance(row["week"], str)


def test_stats_by_version_lists_the_active_and_canary_versions_before_any_question(clean_db):
    with db.connect(clean_db) as conn:
        version = seed_variant(conn, {}, author="retune", note="a canary")
        conn.commit()
    _ok(cli(clean_db, "prompts", "canary", str(version), "--percent", "10"))
    rows = {r["version"]: r for r in json.loads(_ok(cli(clean_db, "stats", "--by-version", "--json")))["versions"]}
    assert rows[1]["role"] == "active" and rows[1]["questions"] == 0
    assert rows[version]["role"] == "canary 10%" and rows[version]["questions"] == 0
    assert rows[version]["up"] == {"hits": 0, "n": 0, "value": None, "low": None, "high": None}
    table = _ok(cli(clean_db, "stats", "--by-version"))
    assert f"v{version} (canary 10%)" in table and "v1 (active)" in table
