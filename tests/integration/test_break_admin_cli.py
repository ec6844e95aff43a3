"""The feedback flywheel's admin commands as a hurried admin uses them (subprocess, real Postgres): wrong ids,
odd --since and --format values, two admins at the same moment, exports over files that exist, CSV opened in a
spreadsheet. Every failure is a clear error (exit 2, no traceback) and nothing is left half-done."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import stat
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from core import db
from feedback import labels
from feedback import prompt_versions as pv
from tests.support.cli_runner import REPO, run_cli
from tests.support.records import add_interaction

HANDBOOK = ["handbook"]


def _clear_error(r, *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    for needle in needles:
        assert needle in r.stderr, (needle, r.stderr[-2000:])


def _versions(url: str, n: int, *, pending: bool = False, team: str = "") -> list[int]:
    """n new versions of the seed, owned by `team`'s scope; `pending`: retuned candidates waiting for review."""
    with db.connect(url) as conn:
        seed = pv.active_version(conn)
        ids = []
        for i in range(n):
            variant = seed.instructions + f"\nVariant {i}."
            made = pv.create_version(conn, instructions=variant, few_shot=[], author="retune", params=seed.params,
                                     parent_id=seed.id, scope=team)  # fmt: skip
            ids.append(made)
        for v in ids if pending else []:
            pv.set_review(conn, v, "pending")
        conn.commit()
    return ids


def _moves(url: str) -> list[dict]:
    with db.connect(url) as conn:
        return conn.execute(
            "SELECT version_id, previous_version_id, kind FROM prompt_activations "
            "WHERE team_id = '' AND kind <> 'seed' ORDER BY id"
        ).fetchall()


def _audit(url: str, prefix: str) -> list[dict]:
    with db.connect(url) as conn:
        return conn.execute(
            "SELECT action, target, details FROM admin_actions WHERE action LIKE %s ORDER BY id", (prefix + "%",)
        ).fetchall()


# ------------------------------------------------------------------------------------------ bad ids and values


def test_ids_that_are_not_numbers_missing_or_of_another_workspace_are_clear_errors(clean_db):
    [theirs] = _versions(clean_db, 1, team="T0OTHER01")
    with db.connect(clean_db) as conn:  # two workspaces installed: this admin acts in T0MINE001
        for team in ("T0MINE001", "T0OTHER01"):
            conn.execute(
                "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
                "VALUES (%s, 'UBOT', 'BBOT', 'enc')",
                (team,),
            )
        conn.commit()
    mine = ("--team", "T0MINE001")
    t = str(theirs)
    for args in (("show", t), ("export", t), ("activate", t), ("diff", "1", t), ("canary", t, "--percent", "5"),
                 ("approve", t), ("show", "99999999999")):  # fmt: skip
        _clear_error(run_cli(clean_db, "prompts", *args, *mine), "does not exist")
    for args in (("prompts", "show", "abc"), ("labels", "show", "1.5"), ("verified", "show", "x"),
                 ("verified", "retire", "one")):  # fmt: skip
        r = run_cli(clean_db, *args, *mine)
        assert r.returncode == 2 and "Traceback" not in r.stderr and "Invalid value" in r.stderr, (args, r.stderr)
    _clear_error(run_cli(clean_db, "prompts", "list"), "2 workspaces are installed", "--team")
    _clear_error(run_cli(clean_db, "verified", "reassign", "7", "--owner", "U0123ABCD", *mine), "does not exist")
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM admin_actions").fetchone()["n"] == 0


def test_odd_since_and_format_values(clean_db):
    for since in ("-3d", "10x", "1.5d", "", "2026-13-01"):
        _clear_error(run_cli(clean_db, "gaps", "--since", since), "--since", "7d")
        _clear_error(run_cli(clean_db, "labels", "list", "--since", since), "--since")
    for since in ("0d", "99999d"):  # nothing yet, and as far back as there are dates: both plain answers
        r = run_cli(clean_db, "gaps", "--since", since, "--format", "json")
        assert r.returncode == 0 and json.loads(r.stdout)["gaps"] == [], r.stderr
    r = run_cli(clean_db, "gaps", "--format", "xml")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "'xml' is not one of" in r.stderr
    r = run_cli(clean_db, "verified", "list", "--format", "csv")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--format" in r.stderr


def test_a_version_diffed_with_itself_is_identical(clean_db):
    r = run_cli(clean_db, "prompts", "diff", "1", "1")
    assert r.returncode == 0 and "parameters: identical" in r.stdout and "instructions: identical" in r.stdout


def _verified_answers(url: str, n: int = 1) -> list[int]:
    """n verified answers (approved corrections) in the collection handbook, owned by U0OWNER01."""
    ids = []
    with db.connect(url) as conn:
        conn.execute("INSERT INTO collections (name) VALUES ('handbook') ON CONFLICT DO NOTHING")
        for k in range(n):
            iid = add_interaction(
                conn, "", f"Wifi password of office {k}?", status="dont_know", answer="no idea", collections=HANDBOOK
            )
            ids.append(labels.record_correction(conn, iid, correction=f"Ask IT ({k}).", user_id="U3", channel_id="C1"))
        conn.commit()
    args = [str(i) for i in ids]
    r = run_cli(url, "labels", "approve", *args, "--collection", "handbook", "--owner", "U0OWNER01")
    assert r.returncode == 0, r.stderr
    return ids


def _upvoted_answer(url: str) -> int:
    """A 👍 on an answered question: a pending vote label's id."""
    with db.connect(url) as conn:
        iid = add_interaction(conn, "", "Hotel cap?", answer="150", collections=HANDBOOK)
        vote = labels.record_vote(conn, iid, kind="up", reaction="+1", user_id="U1", channel_id="C1").label_id
        conn.commit()
    return vote


def _verified_state(url: str, answer_id: int) -> tuple[str, str]:
    shown = json.loads(run_cli(url, "verified", "show", str(answer_id), "--format", "json").stdout)
    return shown["status"], shown["owner"]


@pytest.mark.parametrize("owner", ["u0123abcd", "<@U0123ABCD>", "", "U0123ABCD; DROP TABLE", "ann@example.com"])
def test_reassigning_to_a_malformed_user_id_is_refused_and_changes_nothing(clean_db, owner):
    [answer] = _verified_answers(clean_db)
    _clear_error(run_cli(clean_db, "verified", "reassign", str(answer), "--owner", owner), "not a Slack user id")
    assert _verified_state(clean_db, answer) == ("active", "U0OWNER01")
    assert _audit(clean_db, "verified.reassign") == []


def test_a_batch_with_one_bad_id_changes_none_of_them(clean_db):
    a, b = _verified_answers(clean_db, 2)
    for args in (("verified", "retire", str(a), "999999"), ("verified", "reassign", str(a), "999999", "--owner",
                 "U0NEW0001"), ("verified", "retire", str(a), str(b), str(b))):  # fmt: skip
        if args[-1] == str(b):  # b retired by someone else a moment before: a must not be retired half-way either
            assert run_cli(clean_db, "verified", "retire", str(b), "--actor", "bob").returncode == 0
        r = run_cli(clean_db, *args)
        assert _verified_state(clean_db, a) == ("active", "U0OWNER01"), args
        _clear_error(r, "Nothing was changed")
    assert [x["target"] for x in _audit(clean_db, "verified.re")] == [f"verified:{b}"]  # retire, reassign
    vote = _upvoted_answer(clean_db)
    for command in ("approve", "reject"):
        r = run_cli(clean_db, "labels", command, str(vote), "999999")
        with db.connect(clean_db) as conn:
            assert labels.get_label(conn, vote)["status"] == "pending", command
        _clear_error(r, "Nothing was changed")
    assert all(x["target"] != f"label:{vote}" for x in _audit(clean_db, "labels."))
    r = run_cli(clean_db, "verified", "retire", str(a), str(a))  # the same id twice: retired once
    assert r.returncode == 0 and r.stdout.count("retired") == 1, r.stdout + r.stderr
    retired = [x["target"] for x in _audit(clean_db, "verified.retire")]
    assert _verified_state(clean_db, a)[0] == "retired" and retired == [f"verified:{b}", f"verified:{a}"]


def test_json_output_is_valid_json_on_stdout_when_piped(clean_db):
    [v2] = _versions(clean_db, 1)
    for args in (("prompts", "show", str(v2)), ("prompts", "export", str(v2)), ("verified", "list", "--format", "json"),
                 ("stats", "--by-version", "--json"), ("gaps", "--format", "json")):  # fmt: skip
        r = run_cli(clean_db, *args)
        assert r.returncode == 0, (args, r.stderr[-1000:])
        json.loads(r.stdout)  # nothing else on stdout


# ------------------------------------------------------------------------------------------ prompt versions


def test_approving_a_pending_version_that_is_already_active_moves_nothing_and_rollback_still_goes_back(clean_db):
    [v2] = _versions(clean_db, 1, pending=True)
    assert run_cli(clean_db, "prompts", "activate", str(v2)).returncode == 0
    r = run_cli(clean_db, "prompts", "approve", str(v2), "--actor", "ann")
    assert r.returncode == 0, r.stderr
    assert "already active" in r.stdout
    with db.connect(clean_db) as conn:
        assert pv.review_status(conn, v2) == "approved" and pv.active_version_id(conn) == v2
    assert all(m["version_id"] != m["previous_version_id"] for m in _moves(clean_db)), _moves(clean_db)
    assert [a["action"] for a in _audit(clean_db, "prompts.")] == ["prompts.activate", "prompts.approve"]
    r = run_cli(clean_db, "prompts", "rollback")
    assert r.returncode == 0 and "v1 is active again" in r.stdout, r.stdout + r.stderr


def test_approving_a_rejected_version_is_refused(clean_db):
    [v2] = _versions(clean_db, 1, pending=True)
    assert run_cli(clean_db, "prompts", "reject", str(v2)).returncode == 0
    _clear_error(run_cli(clean_db, "prompts", "approve", str(v2)), "not waiting for approval (rejected)", "activate")
    _clear_error(run_cli(clean_db, "prompts", "reject", str(v2)), "not waiting for approval")
    with db.connect(clean_db) as conn:
        assert pv.active_version_id(conn) == 1


def _at_once(url: str, *commands: tuple[str, ...]) -> list[subprocess.CompletedProcess]:
    """Run the commands in parallel processes that all reach the default scope's pointer lock while this test holds
    it, then let them go: the closest two admins can come to acting at the same moment."""
    results: dict[int, subprocess.CompletedProcess] = {}
    with psycopg.connect(url) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(hashtext('prompt_pointer:' || ''))")
        threads = [
            threading.Thread(target=lambda i=i, c=c: results.__setitem__(i, run_cli(url, *c, "--actor", f"admin{i}")))
            for i, c in enumerate(commands)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        with psycopg.connect(url, autocommit=True) as watch:
            while True:  # every command waits on a lock: none has moved anything yet
                row = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).fetchone()
                waiting = row[0] if row else 0
                if waiting == len(commands):
                    break
                assert time.monotonic() < deadline and all(t.is_alive() for t in threads), results
                time.sleep(0.05)
        holder.rollback()
    for t in threads:
        t.join(300)
    return [results[i] for i in range(len(commands))]


def test_two_admins_activating_different_versions_at_once_leave_one_consistent_history(clean_db):
    v2, v3 = _versions(clean_db, 2)
    results = _at_once(clean_db, ("prompts", "activate", str(v2)), ("prompts", "activate", str(v3)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    first, second = _moves(clean_db)
    assert first["previous_version_id"] == 1 and second["previous_version_id"] == first["version_id"]
    with db.connect(clean_db) as conn:
        assert pv.active_version_id(conn) == second["version_id"]
    audit = _audit(clean_db, "prompts.activate")
    assert [(a["target"], a["details"]["previous"]) for a in audit] == [
        (f"v{first['version_id']}", 1),
        (f"v{second['version_id']}", first["version_id"]),
    ]


@pytest.mark.parametrize("command", ["activate", "approve"])
def test_two_admins_moving_to_the_same_version_at_once_move_it_once(clean_db, command):
    [v2] = _versions(clean_db, 1, pending=True)
    results = _at_once(clean_db, ("prompts", command, str(v2)), ("prompts", command, str(v2)))
    assert sorted(r.returncode for r in results) == [0, 2], [r.stderr for r in results]
    [refused] = [r for r in results if r.returncode == 2]
    _clear_error(refused, "already the active version" if command == "activate" else "not waiting for approval")
    assert [(m["version_id"], m["previous_version_id"]) for m in _moves(clean_db)] == [(v2, 1)]
    assert len(_audit(clean_db, f"prompts.{command}")) == 1
    r = run_cli(clean_db, "prompts", "rollback")
    assert r.returncode == 0 and "v1 is active again" in r.stdout, r.stdout + r.stderr


def test_approve_and_reject_at_once_never_leave_an_active_version_marked_rejected(clean_db):
    [v2] = _versions(clean_db, 1, pending=True)
    results = _at_once(clean_db, ("prompts", "approve", str(v2)), ("prompts", "reject", str(v2)))
    assert sorted(r.returncode for r in results) == [0, 2], [r.stderr for r in results]
    with db.connect(clean_db) as conn:
        active, review = pv.active_version_id(conn), pv.review_status(conn, v2)
    assert (active, review) in ((v2, "approved"), (1, "rejected")), (active, review)


# ------------------------------------------------------------------------------------------ exports


def _run_limited(url: str, *args: str, max_file_bytes: int) -> subprocess.CompletedProcess:
    """`answerloop ARGS` as run_cli runs it, but allowed to write files of at most `max_file_bytes` (a full disk)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    env = {**os.environ, "DATABASE_URL": url, "ANSWERLOOP_EMBEDDINGS": "none", "ANSWERLOOP_LLM": ""}
    return subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", *args],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300, preexec_fn=limit,
    )  # fmt: skip


@pytest.mark.parametrize("args", [("prompts", "export", "1"), ("labels", "export")])
def test_an_export_that_fails_half_way_leaves_the_file_it_was_replacing_whole(clean_db, tmp_path, args):
    with db.connect(clean_db) as conn:  # enough labels for an export over the limit
        for k in range(20):
            iid = add_interaction(
                conn, "", f"Question number {k} about the travel policy?", answer="answer", collections=HANDBOOK
            )
            labels.record_vote(conn, iid, kind="up", reaction="+1", user_id="U1", channel_id="C1")
        conn.commit()
    out = tmp_path / "export.json"
    out.write_text("last week's export\n")
    r = _run_limited(clean_db, *args, "-o", str(out), max_file_bytes=512)
    _clear_error(r, "Cannot write")
    assert out.read_text() == "last week's export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.json"]  # no temporary file left behind
    out.chmod(0o640)
    r = run_cli(clean_db, *args, "-o", str(out))  # the same export with room: the file is replaced whole
    assert r.returncode == 0 and "wrote" in r.stderr, r.stderr
    assert out.read_text() != "last week's export\n" and stat.S_IMODE(out.stat().st_mode) == 0o640
    text = out.read_text()
    records = [json.loads(text)] if args[0] == "prompts" else [json.loads(line) for line in text.splitlines()]
    assert len(records) == (1 if args[0] == "prompts" else 20)


def test_an_export_into_a_pipe_is_written_to_the_pipe(clean_db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: dict[str, str] = {}
    reader = threading.Thread(target=lambda: got.update(text=fifo.read_text()))
    reader.start()
    r = run_cli(clean_db, "prompts", "export", "1", "-o", str(fifo))
    reader.join(60)
    assert r.returncode == 0, r.stderr
    assert json.loads(got["text"])["id"] == 1 and stat.S_ISFIFO(fifo.stat().st_mode)


# ------------------------------------------------------------------------------------------ gaps CSV


def test_gaps_csv_keeps_commas_quotes_newlines_and_neutralises_formulas(clean_db):
    questions = [
        "=cmd|' /C calc'!A0 expense policy?",
        '+SUM(1,2) hotel cap, "quoted"\nsecond line?',
        "-2+3 vacation days?",
        "@evil wifi password?",
        "How do I book a desk?",
    ]
    with db.connect(clean_db) as conn:
        for q in questions:
            add_interaction(conn, "", q, status="dont_know", answer="", collections=HANDBOOK)
        conn.commit()
    r = run_cli(clean_db, "gaps", "--format", "csv", "--threshold", "0.99")
    assert r.returncode == 0, r.stderr
    header, *rows = list(csv.reader(io.StringIO(r.stdout)))
    assert header[0] == "topic" and len(rows) == len(questions)
    topics = {row[0] for row in rows}
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], cells
    assert topics == {("'" + q if q[0] in "=+-@" else q) for q in questions}  # the text itself is kept whole


def test_an_actor_name_that_looks_like_rich_markup_is_printed_as_written(clean_db, tmp_path):
    """--actor (or $ANSWERLOOP_ADMIN, $USER) is printed back by history, audit, retune list and labels show; a
    name with square brackets must not be read as Rich markup (a closing tag with no opening one was a traceback)."""
    [v2] = _versions(clean_db, 1)
    actor = "[/x] ann [bold]"
    vote = _upvoted_answer(clean_db)
    assert run_cli(clean_db, "prompts", "activate", str(v2), "--actor", actor).returncode == 0
    assert run_cli(clean_db, "labels", "approve", str(vote), "--actor", actor).returncode == 0
    for args in (("prompts", "history"), ("audit",), ("labels", "show", str(vote))):
        r = run_cli(clean_db, *args)
        assert r.returncode == 0 and "Traceback" not in r.stderr, (args, r.stderr[-1500:])
        assert actor in r.stdout, (args, r.stdout)
    for args in (("prompts", "export", "1"), ("labels", "export")):  # and a file name with square brackets
        out = tmp_path / f"[red] {args[0]}.json"
        r = run_cli(clean_db, *args, "-o", str(out))
        assert r.returncode == 0 and "Traceback" not in r.stderr and out.name in r.stderr, r.stderr[-1500:]


@pytest.mark.parametrize("threshold", ["nan", "inf", "-0.5", "1.5"])
def test_a_gaps_threshold_that_is_no_similarity_is_refused(clean_db, threshold):
    """`nan` passed every comparison the clustering made and merged every question into one topic."""
    _clear_error(run_cli(clean_db, "gaps", "--threshold", threshold), "--threshold", "0.5")


def test_rejecting_the_active_version_is_refused(clean_db):
    """A pending candidate activated directly, then rejected, stayed the version every question is answered with,
    marked rejected ("stored, never active")."""
    [v2] = _versions(clean_db, 1, pending=True)
    assert run_cli(clean_db, "prompts", "activate", str(v2)).returncode == 0
    _clear_error(run_cli(clean_db, "prompts", "reject", str(v2)), "active version", "rollback")
    with db.connect(clean_db) as conn:
        assert pv.review_status(conn, v2) == "pending" and pv.active_version_id(conn) == v2
    assert run_cli(clean_db, "prompts", "rollback").returncode == 0
    r = run_cli(clean_db, "prompts", "reject", str(v2))
    assert r.returncode == 0 and f"v{v2} rejected" in r.stdout, r.stderr


def test_two_rollbacks_at_once_go_back_two_steps(clean_db):
    """Each rollback reads the history it moves back through under the pointer's lock (through the library, as the
    App Home and the retune call it, not only through `prompts rollback`, whose canary check took the lock first)."""
    v2, v3 = _versions(clean_db, 2)
    with db.connect(clean_db) as conn:
        pv.activate(conn, v2, "ann")
        pv.activate(conn, v3, "ann")
        conn.commit()
    errors: list[BaseException] = []

    def roll_back(actor: str) -> None:
        try:
            with db.connect(clean_db) as conn:
                pv.rollback(conn, actor)
                conn.commit()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    with psycopg.connect(clean_db) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(hashtext('prompt_pointer:' || ''))")
        threads = [threading.Thread(target=roll_back, args=(name,)) for name in ("ann", "bob")]
        for t in threads:
            t.start()
        with psycopg.connect(clean_db, autocommit=True) as watch:
            deadline = time.monotonic() + 60
            while True:
                row = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).fetchone()
                if (row[0] if row else 0) == 2:
                    break
                assert time.monotonic() < deadline, errors
                time.sleep(0.05)
        holder.rollback()
    for t in threads:
        t.join(60)
    assert errors == []
    moves = [(m["version_id"], m["previous_version_id"], m["kind"]) for m in _moves(clean_db)]
    assert moves[2:] == [(v2, v3, "rollback"), (1, v2, "rollback")], moves
