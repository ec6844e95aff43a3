"""A label's review is not quietly overturned: `labels approve` refuses a label another admin rejected unless
--force (said in the audit), and the App Home's buttons decide only labels still pending (a stale tab)."""

from __future__ import annotations

import json

import pytest

from core import db
from core.errors import AnswerloopError
from feedback import labels
from tests.support.cli_runner import run_cli
from tests.support.records import add_interaction


def _correction(url: str) -> int:
    with db.connect(url) as conn:
        conn.execute("INSERT INTO collections (name) VALUES ('handbook') ON CONFLICT DO NOTHING")
        iid = add_interaction(conn, "", "Door code?", status="dont_know", answer="?", collections=["handbook"])
        label = labels.record_correction(conn, iid, correction="Ask IT at the desk.", user_id="U3", channel_id="C1")
        conn.commit()
    return label


def _status(url: str, label: int) -> str:
    with db.connect(url) as conn:
        return labels.get_label(conn, label)["status"]


def _verified(url: str, label: int) -> str | None:
    with db.connect(url) as conn:
        row = conn.execute("SELECT status FROM verified_answers WHERE label_id = %s", (label,)).fetchone()
    return row["status"] if row else None


def test_approving_a_rejected_label_needs_force_and_the_audit_says_it_overrode(clean_db):
    label = _correction(clean_db)
    r = run_cli(clean_db, "labels", "reject", str(label), "--actor", "bob", "--note", "wrong desk")
    assert r.returncode == 0, r.stderr[-1500:]

    r = run_cli(clean_db, "labels", "approve", str(label), "--actor", "ann")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    said = " ".join(r.stderr.split())
    assert f"Label {label} was rejected by bob on" in said and '("wrong desk")' in said, r.stderr
    assert f"answerloop labels approve {label} --force" in said, r.stderr
    assert _status(clean_db, label) == "rejected" and _verified(clean_db, label) is None

    r = run_cli(clean_db, "labels", "approve", str(label), "--actor", "ann", "--force")
    assert r.returncode == 0, r.stderr[-1500:]
    assert _status(clean_db, label) == "approved" and _verified(clean_db, label) == "active"
    audit = run_cli(clean_db, "audit", "--format", "json")
    assert audit.returncode == 0, audit.stderr[-1500:]
    [forced] = [a for a in json.loads(audit.stdout)["actions"] if a["action"] == "labels.approve"]
    assert forced["details"]["overrode_rejection"] is True and forced["details"]["rejected_by"] == "bob", forced


def test_approving_again_and_rejecting_an_approved_label_still_work_without_force(clean_db):
    """A batch re-run approves what is approved already; rejecting an approved correction withdraws its answer."""
    label = _correction(clean_db)
    for _ in range(2):
        r = run_cli(clean_db, "labels", "approve", str(label), "--actor", "ann")
        assert r.returncode == 0, r.stderr[-1500:]
    assert _verified(clean_db, label) == "active"
    r = run_cli(clean_db, "labels", "reject", str(label), "--actor", "bob")
    assert r.returncode == 0 and "withdrawn" in r.stdout, r.stderr[-1500:]
    assert _status(clean_db, label) == "rejected" and _verified(clean_db, label) is None  # taken out


@pytest.mark.parametrize(
    ("decided", "click", "says"),
    [("rejected", "approve", "was rejected by bob"), ("approved", "reject", "was approved by bob")],
)
def test_a_stale_app_home_button_changes_nothing_another_admin_decided(clean_db, decided, click, says):
    from bot.app_home import APPROVE_LABEL, REJECT_LABEL, AppHome
    from core.settings import Settings

    label = _correction(clean_db)
    with db.connect(clean_db) as conn:
        labels.review(conn, label, decided, "bob", "decided first")
        conn.commit()
    home = AppHome(Settings(database_url=clean_db, admins=["UADMIN0001"]), clean_db, publish_verified=lambda *_: None)
    action = APPROVE_LABEL if click == "approve" else REJECT_LABEL
    with db.connect(clean_db) as conn:
        with pytest.raises(AnswerloopError, match=says):
            home._apply(conn, action, label, "slack:UADMIN0001")
        conn.rollback()
        after = labels.get_label(conn, label)
        actions = conn.execute("SELECT action FROM admin_actions WHERE actor = 'slack:UADMIN0001'").fetchall()
    assert (after["status"], after["reviewed_by"]) == (decided, "bob") and actions == []


def test_the_app_home_still_decides_a_pending_label(clean_db):
    from bot.app_home import REJECT_LABEL, AppHome
    from core.settings import Settings

    label = _correction(clean_db)
    home = AppHome(Settings(database_url=clean_db, admins=["UADMIN0001"]), clean_db, publish_verified=lambda *_: None)
    with db.connect(clean_db) as conn:
        said = home._apply(conn, REJECT_LABEL, label, "slack:UADMIN0001")
        conn.commit()
    assert said.startswith(f"Correction {label} rejected") and _status(clean_db, label) == "rejected"
