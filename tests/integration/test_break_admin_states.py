"""Admin commands run on objects already in the state they ask for (subprocess, real Postgres): an approval
re-run on an approved correction must not quietly undo what was decided about its verified answer since."""

from __future__ import annotations

import json

import pytest

from core import db
from feedback import labels
from tests.support.cli_runner import run_cli
from tests.support.records import add_interaction


def _shown(url: str, answer_id: int) -> dict:
    r = run_cli(url, "verified", "show", str(answer_id), "--format", "json")
    assert r.returncode == 0, r.stderr[-1500:]
    return json.loads(r.stdout)


def test_approving_an_approved_correction_again_keeps_its_owner_and_collection(clean_db):
    """`labels approve 7 8` re-run after 7 was approved (a script run twice, a batch that overlaps the last one)
    published 7 again as if new: its owner — named with --owner, or reassigned since — became the admin running
    the command (here `root`, no Slack user: no review DM would ever go out) and it moved back out of the
    collection it had been approved into."""
    with db.connect(clean_db) as conn:
        conn.execute("INSERT INTO collections (name) VALUES ('handbook'), ('eng')")
        iid = add_interaction(conn, "", "Door code?", status="dont_know", answer="?", collections=["handbook"])
        label = labels.record_correction(conn, iid, correction="Ask IT at the desk.", user_id="U3", channel_id="C1")
        iid = add_interaction(conn, "", "Hotel cap?", status="dont_know", answer="?", collections=["handbook"])
        other = labels.record_correction(conn, iid, correction="150 a night.", user_id="U3", channel_id="C1")
        conn.commit()
    first = ("labels", "approve", str(label), "--collection", "eng", "--owner", "U0OWNER01", "--actor", "ann")
    assert run_cli(clean_db, *first).returncode == 0
    r = run_cli(clean_db, "verified", "reassign", str(label), "--owner", "U0CAROL01", "--actor", "ann")
    assert r.returncode == 0, r.stderr[-1500:]

    r = run_cli(clean_db, "labels", "approve", str(label), str(other), "--actor", "root")
    assert r.returncode == 0, r.stderr[-1500:]
    shown = _shown(clean_db, label)
    assert (shown["status"], shown["owner"], shown["collection"]) == ("active", "U0CAROL01", "eng"), shown
    assert _shown(clean_db, other)["owner"] == "root"  # a first approval is owned by its approver, as before

    # Named again, they change as asked.
    r = run_cli(clean_db, "labels", "approve", str(label), "--owner", "U0DAVE001", "--collection", "handbook")
    assert r.returncode == 0, r.stderr[-1500:]
    shown = _shown(clean_db, label)
    assert (shown["owner"], shown["collection"]) == ("U0DAVE001", "handbook"), shown


@pytest.mark.parametrize(
    "args",
    [
        ("labels", "list", "--limit"),
        ("prompts", "history", "--limit"),
        ("retune", "list", "--limit"),
        ("audit", "--limit"),
        ("review", "sample", "--n"),
    ],
)
def test_a_limit_beyond_what_postgres_counts_is_refused_before_it_asks(clean_db, args):
    """A --limit past Postgres' bigint reached the query and came back as a NumericValueOutOfRange traceback."""
    r = run_cli(clean_db, *args, "99999999999999999999")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-1500:]
    assert f"Invalid value for '{args[-1]}'" in r.stderr, r.stderr[-1500:]
    assert run_cli(clean_db, *args, "1000000").returncode == 0  # a large one that fits is a plain answer
