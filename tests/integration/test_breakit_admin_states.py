"""Break-it review of admin state changes (subprocess, real Postgres): decisions taken twice, on objects in the
wrong state or by two admins at once, impossible canary shares, stale canaries, odd --since values — each a clear
error or a recorded change, never a traceback, and every change an audit row."""

from __future__ import annotations

import json
import threading

import pytest

from core import db
from feedback import labels
from tests.integration.test_break_admin_cli import _versions
from tests.integration.test_break_admin_outputs import _clear_error, _ok, cli
from tests.support.records import add_interaction


def _audit(url: str) -> list[tuple[str, str]]:
    with db.connect(url) as conn:
        rows = conn.execute("SELECT action, target FROM admin_actions ORDER BY id").fetchall()
    return [(r["action"], r["target"]) for r in rows]


def _vote(url: str) -> int:
    with db.connect(url) as conn:
        iid = add_interaction(conn, "", "how do I deploy?")
        vote = labels.record_vote(conn, iid, kind="up", reaction="+1", user_id="U1", channel_id="C1")
        conn.commit()
    return vote.label_id


@pytest.mark.parametrize("percent", ["0", "101", "-1", "1e309", "nan", "-inf", "0.004"])
def test_a_canary_share_that_is_no_share_of_traffic_is_refused_and_changes_nothing(clean_db, percent):
    [v] = _versions(clean_db, 1)
    _clear_error(cli(clean_db, "prompts", "canary", str(v), "--percent", percent), "--percent", "0.01")
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM prompt_canaries").fetchone()["n"] == 0
    assert _audit(clean_db) == []


def test_a_canary_of_everyone_is_accepted_and_audited(clean_db):
    [v] = _versions(clean_db, 1)
    assert f"v{v} answers 100% of askers" in _ok(cli(clean_db, "prompts", "canary", str(v), "--percent", "100"))
    assert _audit(clean_db) == [("prompts.canary", f"v{v}")]


def test_promoting_a_canary_after_the_active_version_changed_is_refused(clean_db):
    """The canary of v2 was measured against v1; an admin then made v3 active for everyone. Promoting v2 would
    replace v3 with a version never compared with it: refused, saying so, and nothing moves."""
    v2, v3 = _versions(clean_db, 2)
    _ok(cli(clean_db, "prompts", "canary", str(v2), "--percent", "10"))
    _ok(cli(clean_db, "prompts", "activate", str(v3)))
    before = _audit(clean_db)
    _clear_error(cli(clean_db, "prompts", "promote", str(v2)), f"v{v3}", "since")
    assert _audit(clean_db) == before
    shown = json.loads(_ok(cli(clean_db, "prompts", "show", str(v3))))
    assert shown["active"] is True
    # Activating it explicitly is still possible (and ends its canary).
    assert "its canary has ended" in _ok(cli(clean_db, "prompts", "activate", str(v2)))


def test_approving_a_rejected_label_again_and_twice_is_recorded(clean_db):
    label = _vote(clean_db)
    _ok(cli(clean_db, "labels", "approve", str(label)))
    _ok(cli(clean_db, "labels", "approve", str(label)))
    _ok(cli(clean_db, "labels", "reject", str(label)))
    assert _audit(clean_db) == [("labels.approve", f"label:{label}")] * 2 + [("labels.reject", f"label:{label}")]


def test_two_admins_approving_one_label_at_once_both_finish_and_both_are_recorded(clean_db):
    label = _vote(clean_db)
    results: list = []
    threads = [
        threading.Thread(
            target=lambda a=a: results.append(cli(clean_db, "labels", "approve", str(label), "--actor", a))
        )
        for a in ("ann", "bob")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        _ok(r)
    assert _audit(clean_db) == [("labels.approve", f"label:{label}")] * 2


def test_retiring_twice_and_reassigning_a_retired_answer_are_clear_errors(clean_db):
    with db.connect(clean_db) as conn:
        conn.execute("INSERT INTO collections (name) VALUES ('handbook')")
        iid = add_interaction(conn, "", "Door code?", status="dont_know", answer="?", collections=["handbook"])
        label = labels.record_correction(conn, iid, correction="Ask IT at the desk.", user_id="U3", channel_id="C1")
        conn.commit()
    _ok(cli(clean_db, "labels", "approve", str(label)))
    _ok(cli(clean_db, "verified", "retire", str(label)))
    _clear_error(cli(clean_db, "verified", "retire", str(label)), "retired")
    _clear_error(cli(clean_db, "verified", "reassign", str(label), "--owner", "U0CAROL01"), "retired")
    assert [a for a, _ in _audit(clean_db)] == ["labels.approve", "verified.publish", "verified.retire"]


@pytest.mark.parametrize("since", ["-5d", "1y", "garbage", "7", "d", "1e3d"])
def test_since_values_that_are_no_time_are_clear_errors(clean_db, since):
    for args in (("labels", "list"), ("gaps",), ("prompts", "show", "1"), ("labels", "export")):
        _clear_error(cli(clean_db, *args, "--since", since), "--since", "7d")


@pytest.mark.parametrize("since", ["0d", "99999999d", "999999999999999999999d"])
def test_since_values_at_the_edges_are_answers_or_clear_errors(clean_db, since):
    for args in (("labels", "list", "--format", "json"), ("gaps", "--format", "json"), ("prompts", "show", "1")):
        r = cli(clean_db, *args, "--since", since)
        assert "Traceback" not in r.stderr, (args, since, r.stderr[-2000:])
        assert r.returncode in (0, 2), (args, since, r.stderr[-2000:])
        if r.returncode == 0:
            json.loads(r.stdout)
        else:
            assert "--since" in r.stderr, r.stderr
