"""Trying to break the feedback flywheel's admin state machine (labels → verified answers, prompt versions and
canaries): every state change is one audit row, an illegal move is refused and changes nothing, and two admins
acting at once end in a state one of them alone could have made (real Postgres; concurrent transactions on
separate connections, the second one observed blocked on a lock or finished, never timed)."""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from core import db
from core.errors import AnswerloopError, NotFound
from feedback import canary, labels
from feedback import prompt_versions as pv
from tests.integration import test_verified_answers as va
from tests.integration.test_verified_answers import BOB, approve, correction_label
from tests.support.records import seed_variant
from workers.kb import verified


def _version(url: str, note: str, scope: str = "") -> int:
    with db.connect(url) as conn:
        vid = seed_variant(conn, {"top_k": 7}, author="test", note=note, scope=scope)
        conn.commit()
    return vid


def _actions(url: str, **where: str) -> list[dict]:
    sql = "SELECT actor, action, target, details FROM admin_actions"
    if where:
        sql += " WHERE " + " AND ".join(f"{k} = %({k})s" for k in where)
    with db.connect(url) as conn:
        return conn.execute(sql + " ORDER BY id", where).fetchall()


class Racer:
    """`fn(conn)` in a thread on a connection of its own, committed when it returns. `started()` returns once it
    has finished or its backend waits on a lock another transaction holds (read from pg_stat_activity)."""

    def __init__(self, url: str, fn: Callable[[Any], Any]) -> None:
        self.url, self.fn = url, fn
        self.pid: int | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with db.connect(self.url) as conn:
                self.pid = conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]
                conn.commit()
                self._ready.set()
                self.result = self.fn(conn)
                conn.commit()
        except BaseException as exc:  # reported to the test
            self.error = exc
        finally:
            self._ready.set()

    def started(self, watcher) -> Racer:
        self.thread.start()
        self._ready.wait()
        for _ in range(3000):  # bounded: a thread that neither ends nor blocks is a hang, reported below
            if not self.thread.is_alive():
                return self
            row = watcher.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (self.pid,)).fetchone()
            if row is not None and row["wait_event_type"] == "Lock":
                return self
            time.sleep(0.01)
        raise AssertionError("the second transaction neither finished nor waited on a lock")

    @property
    def blocked(self) -> bool:
        return self.thread.is_alive()

    def join(self) -> Racer:
        self.thread.join()
        return self


@pytest.fixture()
def handbook(clean_db, local_embedder, tmp_path):
    return va.handbook.__wrapped__(clean_db, local_embedder, tmp_path)  # type: ignore[attr-defined]


@pytest.fixture()
def pipe(handbook, local_embedder, pii_guard):
    return va.pipe.__wrapped__(handbook, local_embedder, pii_guard)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------ prompt versions


def test_each_pointer_move_is_one_audit_row_and_a_refused_move_changes_nothing(clean_db):
    url = clean_db
    v2, v3 = _version(url, "two"), _version(url, "three")
    with db.connect(url) as conn:
        pv.activate(conn, v2, "ann", reason="try two", scope="")
        pv.activate(conn, v3, "bob", scope="")
        assert pv.rollback(conn, "cy", scope="") == (v3, v2)
        assert pv.rollback(conn, "cy", scope="") == (v2, 1)
        conn.commit()
    moves = _actions(url)
    assert [(a["actor"], a["action"], a["target"], a["details"]["previous"]) for a in moves] == [
        ("ann", "prompts.activate", f"v{v2}", 1),
        ("bob", "prompts.activate", f"v{v3}", v2),
        ("cy", "prompts.rollback", f"v{v2}", v3),
        ("cy", "prompts.rollback", "v1", v2),
    ]
    # A third rollback, the active version again, an unknown version: refused, no row, the pointer stays.
    with db.connect(url) as conn:
        with pytest.raises(AnswerloopError, match="Nothing to roll back to: v1"):
            pv.rollback(conn, "cy", scope="")
        with pytest.raises(AnswerloopError, match="v1 is already the active version"):
            pv.activate(conn, 1, "cy", scope="")
        with pytest.raises(NotFound, match="Prompt version 999 does not exist"):
            pv.activate(conn, 999, "cy", scope="")
        with pytest.raises(AnswerloopError, match="not waiting for approval"):
            pv.approve(conn, v2, "cy", scope="")
        conn.commit()
        assert pv.active_version_id(conn, "") == 1
    assert len(_actions(url)) == 4
    # A rolled-back version may be activated again (`activate` takes any version): rolling forward is a move.
    with db.connect(url) as conn:
        assert pv.activate(conn, v3, "dee", scope="") == 1
        conn.commit()
        assert pv.history_stack(conn, "") == [1, v3]
    assert _actions(url)[-1]["action"] == "prompts.activate"


@pytest.mark.parametrize("percent", [0, -5, 150, 0.004, math.nan, math.inf])
def test_a_canary_share_that_is_no_share_is_refused_and_starts_nothing(clean_db, percent):
    """0.004 passed the check of the float, was rounded to 0.00 for the column and Postgres's CHECK refused it:
    an IntegrityError instead of the clear error the other bad shares get."""
    url = clean_db
    v2 = _version(url, "two")
    with db.connect(url) as conn:
        with pytest.raises(AnswerloopError, match="is not a share of traffic"):
            canary.start(conn, v2, percent, "ann", scope="")
        conn.rollback()
        assert canary.running(conn, "") is None
    assert _actions(url) == []


def test_canary_start_change_and_end_are_one_audit_row_each_and_illegal_moves_change_nothing(clean_db):
    url = clean_db
    v2, v3 = _version(url, "two"), _version(url, "three")
    with db.connect(url) as conn:
        assert canary.start(conn, v2, 100, "ann", scope="") is None  # (0, 100]: all askers is a share
        assert canary.start(conn, v2, 12.5, "ann", scope="") == 100.0
        conn.commit()
        for call, message in (
            (lambda: canary.start(conn, 1, 10, "bob", scope=""), "v1 is already the active version"),
            (lambda: canary.start(conn, v3, 10, "bob", scope=""), f"v{v2} is already in a canary"),
            (lambda: canary.promote(conn, v3, "bob", scope=""), re.escape(f"v{v3} is not in a canary (v{v2} is)")),
            (lambda: canary.promote(conn, 999, "bob", scope=""), "Prompt version 999 does not exist"),
        ):
            with pytest.raises(AnswerloopError, match=message):
                call()
            conn.rollback()
        assert canary.running(conn, "").percent == 12.5  # type: ignore[union-attr]
        ended = canary.promote(conn, v2, "cy", scope="")
        conn.commit()
        assert (ended.outcome, ended.active) == ("promoted", v2)
        assert canary.end(conn, "cy", scope="") is None  # nothing runs: nothing ends, nothing recorded
        conn.commit()
    assert [(a["actor"], a["action"], a["target"]) for a in _actions(url)] == [
        ("ann", "prompts.canary", f"v{v2}"),
        ("ann", "prompts.canary", f"v{v2}"),
        ("cy", "prompts.promote", f"v{v2}"),
        ("cy", "prompts.canary_end", f"v{v2}"),
    ]
    assert _actions(url)[1]["details"]["previous_percent"] == 100.0


def test_stickiness_and_share_hold_for_a_fractional_percent_across_workspaces(clean_db):
    url = clean_db
    v2 = _version(url, "two")
    with db.connect(url) as conn:
        canary.start(conn, v2, 37.5, "ann", scope="")
        conn.commit()
    askers = [(f"T{t:09d}", f"U{u:09d}") for t in range(3) for u in range(2000)]
    with db.connect(url) as conn:
        first = [canary.serving_version(conn, t, u).id for t, u in askers]
    with db.connect(url) as conn:  # another connection, another call: the same version for the same asker
        again = [canary.serving_version(conn, t, u).id for t, u in askers]
    assert first == again
    share = sum(v == v2 for v in first) / len(askers)
    assert abs(share - 0.375) < 4 * math.sqrt(0.375 * 0.625 / len(askers)), share


def test_two_canaries_started_at_once_one_wins_and_the_other_is_refused(clean_db):
    url = clean_db
    v2, v3 = _version(url, "two"), _version(url, "three")
    with db.connect(url) as first, db.connect(url, autocommit=True) as watcher:
        canary.start(first, v2, 10, "ann", scope="")
        second = Racer(url, lambda conn: canary.start(conn, v3, 10, "bob", scope="")).started(watcher)
        assert second.blocked
        first.commit()
    second.join()
    assert isinstance(second.error, AnswerloopError) and f"v{v2} is already in a canary" in str(second.error)
    with db.connect(url) as conn:
        assert canary.running(conn, "").version_id == v2  # type: ignore[union-attr]
    assert len(_actions(url, action="prompts.canary")) == 1


def test_a_canary_started_while_its_version_is_being_activated_is_refused(clean_db):
    """Activation and canary start took different locks: a canary of v2 started while another admin's activation
    of v2 was not yet committed read v1 as active and was accepted, leaving a canary of the active version running
    (it blocks every later canary, and the next `prompts rollback` ends it instead of rolling back)."""
    url = clean_db
    v2 = _version(url, "two")
    with db.connect(url) as first, db.connect(url, autocommit=True) as watcher:
        pv.activate(first, v2, "ann", scope="")
        second = Racer(url, lambda conn: canary.start(conn, v2, 10, "bob", scope="")).started(watcher)
        first.commit()
    second.join()
    with db.connect(url) as conn:
        running = canary.running(conn, "")
        assert pv.active_version_id(conn, "") == v2
    assert running is None, "a canary of the version everyone already gets"
    assert isinstance(second.error, AnswerloopError) and f"v{v2} is already the active version" in str(second.error)


def test_a_canary_whose_version_was_approved_elsewhere_blocks_nothing(clean_db):
    """The App Home's *Approve* of a retuned candidate in a canary (as `pv.approve` alone does) made it active and
    left its canary running: the next canary was refused ("already in a canary") and `prompts rollback` ended that
    canary instead of rolling the pointer back."""
    url = clean_db
    v2, v3 = _version(url, "two"), _version(url, "three")
    with db.connect(url) as conn:
        pv.set_review(conn, v2, "pending")
        canary.start(conn, v2, 10, "retune", scope="")
        pv.approve(conn, v2, "slack:U0ADMIN01", "approved in Slack", scope="")
        conn.commit()
        assert canary.start(conn, v3, 10, "ann", scope="") is None
        conn.commit()
        assert canary.running(conn, "").version_id == v3  # type: ignore[union-attr]
        pv.set_review(conn, v3, "pending")
        pv.approve(conn, v3, "slack:U0ADMIN01", "approved in Slack", scope="")
        conn.commit()
        assert canary.end(conn, "ann", scope="") is None  # no canary left to end: rollback moves the pointer
        assert pv.rollback(conn, "ann", scope="") == (v3, v2)
        conn.commit()
    ends = _actions(url, action="prompts.canary_end")
    assert [(e["target"], e["details"]["outcome"]) for e in ends] == [(f"v{v2}", "promoted"), (f"v{v3}", "promoted")]


# ------------------------------------------------------------------------------------------ labels and verified


def test_a_concurrent_second_approval_records_what_it_really_changed(handbook, pipe, local_embedder):
    """Two admins approve the same correction at once: one verified answer, one document, and the second audit row
    says the label was already approved (it read 'pending' before the first committed)."""
    url, _ = handbook
    label_id = correction_label(url, pipe)

    def approve_in(conn, actor: str) -> None:
        label = labels.review(conn, label_id, "approved", actor)
        verified.publish(conn, label, embedder=local_embedder, approved_by=actor)

    with db.connect(url) as first, db.connect(url, autocommit=True) as watcher:
        approve_in(first, "ann")
        second = Racer(url, lambda conn: approve_in(conn, "bob")).started(watcher)
        first.commit()
    assert second.join().error is None
    with db.connect(url) as conn:
        rows = conn.execute("SELECT label_id, status FROM verified_answers").fetchall()
        docs = conn.execute(
            "SELECT count(*) AS n FROM documents WHERE source_path = %s", (f"{verified.SOURCE_PREFIX}{label_id}",)
        ).fetchone()["n"]
    assert rows == [{"label_id": label_id, "status": "active"}] and docs == 1
    reviews = _actions(url, target=f"label:{label_id}")
    assert [(a["actor"], a["details"]["previous"]) for a in reviews] == [("ann", "pending"), ("bob", "approved")]


def test_two_corrections_of_one_answer_approved_at_once_leave_one_current_answer(handbook, pipe, local_embedder):
    """'One question, one current answer': each approval retired the other verified answers of the interaction it
    could see, and neither saw the other's uncommitted one, so both stayed active and were both served."""
    url, _ = handbook
    first_id = correction_label(url, pipe)
    with db.connect(url) as conn:
        interaction = labels.get_label(conn, first_id)["interaction_id"]
        second_id = labels.record_correction(
            conn, interaction, correction="Pages escalate to the secondary after 8 minutes now.", user_id=BOB
        )
        conn.commit()

    def approve_in(conn, label_id: int, actor: str) -> None:
        label = labels.review(conn, label_id, "approved", actor)
        verified.publish(conn, label, embedder=local_embedder, approved_by=actor)

    with db.connect(url) as first, db.connect(url, autocommit=True) as watcher:
        approve_in(first, first_id, "ann")
        second = Racer(url, lambda conn: approve_in(conn, second_id, "bob")).started(watcher)
        first.commit()
    assert second.join().error is None
    with db.connect(url) as conn:
        active = conn.execute("SELECT label_id FROM verified_answers WHERE status = 'active'").fetchall()
        served = conn.execute(
            "SELECT count(*) AS n FROM documents WHERE format = 'verified' AND collection = 'handbook'"
        ).fetchone()["n"]
    assert active == [{"label_id": second_id}] and served == 1
    assert [a["action"] for a in _actions(url, target=f"verified:{first_id}")] == [
        "verified.publish",
        "verified.supersede",
    ]


def test_approving_again_into_another_collection_leaves_no_stray_document(handbook, pipe, local_embedder):
    """The second approval made a new document in the new collection and pointed the answer at it; the first stayed
    in the knowledge base, still retrieved, and retiring the answer could no longer remove it."""
    url, _ = handbook
    label_id = correction_label(url, pipe)
    approve(url, label_id, local_embedder, owner=BOB)
    with db.connect(url) as conn:
        label = labels.review(conn, label_id, "approved", "ann")
        verified.publish(conn, label, embedder=local_embedder, approved_by="ann", collection="oncall")
        conn.commit()
        docs = conn.execute(
            "SELECT id, collection FROM documents WHERE source_path = %s", (f"{verified.SOURCE_PREFIX}{label_id}",)
        ).fetchall()
        answer = verified.get(conn, label_id)
    assert [d["collection"] for d in docs] == ["oncall"] and answer.document_id == docs[0]["id"]
    with db.connect(url) as conn:
        verified.retire(conn, label_id, "ann")
        conn.commit()
        left = conn.execute("SELECT count(*) AS n FROM documents WHERE format = 'verified'").fetchone()["n"]
    assert left == 0


def test_rejecting_a_published_correction_is_an_audit_row_of_its_verified_answer(handbook, pipe, local_embedder):
    """README: every change of a verified answer is an audit row `verified:<id>`. Withdrawing one by rejecting its
    correction deleted it with only the label's row."""
    url, _ = handbook
    label_id = correction_label(url, pipe)
    approve(url, label_id, local_embedder, owner=BOB)
    with db.connect(url) as conn:
        assert verified.reject_label(conn, label_id, "ann", "not our policy").withdrawn
        conn.commit()
    [withdraw] = [a for a in _actions(url, target=f"verified:{label_id}") if a["action"] != "verified.publish"]
    assert (withdraw["actor"], withdraw["action"]) == ("ann", "verified.withdraw")
    assert withdraw["details"]["owner"] == BOB and withdraw["details"]["note"] == "not our policy"
    [review] = _actions(url, action="labels.reject")
    assert review["details"]["previous"] == "approved"
    # Rejecting it again withdraws nothing more: the label's row only (its decision was recorded again).
    with db.connect(url) as conn:
        assert not verified.reject_label(conn, label_id, "ann").withdrawn
        conn.commit()
    assert [a["action"] for a in _actions(url, target=f"verified:{label_id}")] == [
        "verified.publish",
        "verified.withdraw",
    ]


def test_verified_changes_are_one_row_each_and_refused_ones_none(handbook, pipe, local_embedder):
    url, _ = handbook
    label_id = correction_label(url, pipe)
    approve(url, label_id, local_embedder, owner=BOB)
    with db.connect(url) as conn:
        verified.confirm(conn, label_id, "ann")
        verified.reassign(conn, label_id, "U0CAROL001", "ann")
        verified.retire(conn, label_id, "ann", "policy changed")
        conn.commit()
        for call, error in (
            (lambda: verified.retire(conn, label_id, "bob"), "was retired"),
            (lambda: verified.reassign(conn, label_id, "U0DAVE0001", "bob"), "was retired"),
            (lambda: verified.confirm(conn, label_id, "bob"), "was retired"),
            (lambda: verified.reassign(conn, label_id, "nobody", "bob"), "not a Slack user id"),
            (lambda: verified.retire(conn, 999999, "bob"), "Verified answer 999999 does not exist"),
        ):
            with pytest.raises(AnswerloopError, match=error):
                call()
            conn.rollback()
    assert [a["action"] for a in _actions(url, target=f"verified:{label_id}")] == [
        "verified.publish",
        "verified.confirm",
        "verified.reassign",
        "verified.retire",
    ]
    assert _actions(url, action="verified.reassign")[0]["details"] == {"from": BOB, "to": "U0CAROL001"}


# ------------------------------------------------------------------------------------------ retune


@pytest.fixture(scope="module")
def eager_retune(database_url, local_embedder, pii_guard):
    from tests.integration.test_retune import eager_scenario as scenario

    return scenario.__wrapped__(database_url, local_embedder, pii_guard)  # type: ignore[attr-defined]


def test_an_activation_during_a_retune_is_not_overridden_by_its_promotion(eager_retune, database_url, monkeypatch):
    """The retune compares its candidate with the version active when it starts and promoted it over whatever was
    active when it finished: an admin's activation made meanwhile was silently replaced by a candidate never
    compared with it."""
    from workers.retune_job import run_retune

    pipeline, _, v2 = eager_retune
    url = database_url
    admins = _version(url, "the admin's choice")
    ask, moved = pipeline.ask, []

    def ask_while_an_admin_activates(*args, **kwargs):
        if not moved:  # the retune is answering: an admin activates another version now
            with db.connect(url) as conn:
                pv.activate(conn, admins, "admin-ann", reason="during the retune", scope="")
                conn.commit()
            moved.append(admins)
        return ask(*args, **kwargs)

    monkeypatch.setattr(pipeline, "ask", ask_while_an_admin_activates)
    result = run_retune(pipeline, actor="beat")
    assert moved and result.candidate_version_id is not None, result.summary
    with db.connect(url) as conn:
        active = pv.active_version_id(conn, "")
        review = pv.review_status(conn, result.candidate_version_id)
        [last] = pv.activations(conn, 1)
    assert active == admins and (last["kind"], last["actor"]) == ("activate", "admin-ann"), result.summary
    assert result.decision == "pending_approval" and review == "pending"
    assert f"v{v2}" in result.summary and f"v{admins}" in result.summary
