"""The admin CLI as a demanding admin uses it (subprocess, real Postgres): machine-readable output that is valid and
complete (`--json`, `--format json|csv`, exports), user text printed as written (Rich markup, spreadsheet formulas),
repeated or impossible changes as clear one-line errors, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from core import db
from feedback import labels
from tests.support.cli_runner import REPO, run_cli
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


# ------------------------------------------------------------------------------------------- user text as written

MARKUP = "[bold]why[/] does [link=https://evil.example]this[/link] end [/] here [red]?"


def test_questions_corrections_and_titles_that_look_like_rich_markup_print_as_written(clean_db):
    with db.connect(clean_db) as conn:
        iid = add_interaction(
            conn, "", MARKUP, answer=f"answer {MARKUP}",
            citations=[{"document_title": MARKUP, "section": "[/]", "chunk_id": 1}],
        )  # fmt: skip
        down = labels.record_vote(conn, iid, kind="down", reaction="-1", user_id="U1", channel_id="C1")
        labels.add_reasons(conn, down.label_id, "U1", reasons=[], comment=MARKUP)
        fix = labels.record_correction(conn, iid, correction=MARKUP, user_id="U3", user_name="[b]Carol[/b]",
                                       channel_id="C1")  # fmt: skip
        conn.commit()
    listed = _ok(cli(clean_db, "labels", "list"))
    assert "[bold]why[/]" in listed and "[b]Carol[/b]" in listed
    for label_id in (down.label_id, fix):
        shown = _ok(cli(clean_db, "labels", "show", str(label_id)))
        assert MARKUP in shown
    assert shown.count(MARKUP) >= 3  # question, answer, correction
    sample = _ok(cli(clean_db, "review", "sample"))
    assert MARKUP in sample and "[/]" in sample


def test_labels_export_of_many_labels_is_one_json_object_per_line_and_list_stays_short(clean_db):
    n = 10_000
    with db.connect(clean_db) as conn:
        iid = add_interaction(conn, "", '=HYPERLINK("http://x","a, b")\nsecond line')
        conn.execute(
            "INSERT INTO labels (interaction_id, kind, source, user_id, channel_id, status, split) "
            "SELECT %s, 'up', 'reaction', 'U' || g, 'C1', 'pending', 'train' FROM generate_series(1, %s) g",
            (iid, n),
        )
        conn.commit()
    lines = _ok(cli(clean_db, "labels", "export")).splitlines()
    assert len(lines) == n
    rows = [json.loads(line) for line in lines]
    assert rows[0]["question"].startswith("=HYPERLINK") and "\n" in rows[0]["question"]
    listed = _ok(cli(clean_db, "labels", "list"))
    assert len([line for line in listed.splitlines() if "👍" in line]) == 50  # the default --limit


def test_reading_commands_on_a_fresh_install_succeed_with_valid_empty_output(clean_db):
    assert json.loads(_ok(cli(clean_db, "verified", "list", "--format", "json"))) == []
    assert _ok(cli(clean_db, "labels", "export")) == ""
    versions = json.loads(_ok(cli(clean_db, "stats", "--by-version", "--json")))["versions"]
    assert [(v["version"], v["role"], v["questions"]) for v in versions] == [(1, "active", 0)]
    _clear_error(cli(clean_db, "prompts", "rollback"), "roll back")
    _clear_error(cli(clean_db, "retune", "show"), "does not exist")
    _clear_error(cli(clean_db, "stats", "--json", "--team", "T0NOTHERE1"), "T0NOTHERE1")


def test_a_long_export_piped_into_head_ends_quietly(clean_db):
    """`answerloop labels export | head -1`: the reader going away is no error of the export, and no traceback."""
    with db.connect(clean_db) as conn:
        iid = add_interaction(conn, "", "how do I deploy?")
        conn.execute(
            "INSERT INTO labels (interaction_id, kind, source, user_id, channel_id, status, split) "
            "SELECT %s, 'up', 'reaction', 'U' || g, 'C1', 'pending', 'train' FROM generate_series(1, 5000) g",
            (iid,),
        )
        conn.commit()
    for args in (("labels", "export"), ("labels", "list", "--limit", "5000"), ("stats", "--by-version", "--json")):
        env = {**os.environ, "DATABASE_URL": clean_db, "ANSWERLOOP_EMBEDDINGS": "none", "ANSWERLOOP_LLM": ""}
        script = f"{sys.executable} -c 'from cli.main import main; main()' {' '.join(args)} | head -c 10 >/dev/null"
        done = subprocess.run(["bash", "-c", f"set -o pipefail; {script}"], capture_output=True, text=True, env=env,
                              cwd=REPO, timeout=300)  # fmt: skip
        assert "Traceback" not in done.stderr and "Error" not in done.stderr, (args, done.stderr[-2000:])


def test_empty_listings_say_so_instead_of_printing_an_empty_table(clean_db):
    for args, says in ((("retune", "list"), "no retune or eval reports"), (("audit",), "no admin actions")):
        out = _ok(cli(clean_db, *args))
        assert says in out and "┏" not in out, (args, out)


# ------------------------------------------------------------------------------------------ an unknown workspace


def _install(url: str, *teams: str) -> None:
    with db.connect(url) as conn:
        for team in teams:
            conn.execute(
                "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
                "VALUES (%s, 'UBOT', 'BBOT', 'enc')",
                (team,),
            )
        conn.commit()


def test_a_mistyped_workspace_is_refused_by_collections_set_and_channels_set(clean_db):
    """With workspaces installed, a collection given to (or a channel configured in) a workspace that is not one of
    them would be read by no one: a typo is refused and nothing changes."""
    _install(clean_db, "T0ALPHA01", "T0BRAVO02")
    with db.connect(clean_db) as conn:
        conn.execute("INSERT INTO collections (name, team_id) VALUES ('docs', 'T0ALPHA01')")
        conn.commit()
    _clear_error(cli(clean_db, "collections", "set", "docs", "--team", "T0ALPHX01"), "T0ALPHX01", "T0ALPHA01")
    _clear_error(cli(clean_db, "channels", "set", "T0ALPHX01/C0GENERAL", "-c", "docs"), "T0ALPHX01", "T0ALPHA01")
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT team_id FROM collections WHERE name = 'docs'").fetchone()["team_id"] == "T0ALPHA01"
        assert conn.execute("SELECT count(*) AS n FROM channel_settings").fetchone()["n"] == 0
    _ok(cli(clean_db, "collections", "set", "docs", "--team", "T0BRAVO02"))
    _ok(cli(clean_db, "channels", "set", "T0BRAVO02/C0GENERAL", "-c", "docs"))
