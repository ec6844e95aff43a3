"""Verified answers with an owner and a review date (issue G.3): `labels approve --owner`, `collections set
--review-days`, `verified list|show|retire|reassign` as a user runs them (real Postgres, the real pipeline with
MiniLM), a changed source flagging an answer, and the answer retired no longer used."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest

from core import db
from feedback import labels
from feedback.prompt_versions import AnsweringParams
from tests.conftest import SAMPLE_KB, make_settings
from tests.support.cli_runner import run_cli
from workers.kb import verified
from workers.kb.ingest import ingest_folder
from workers.retrieval import retrieve
from workers.slack.blocks import answer_message

BOB, CAROL = "U0BOB00001", "U0CAROL001"
QUESTION = "How long before an unacknowledged page escalates to the secondary?"
PARAPHRASE = "After how many minutes does an unacknowledged page go to the secondary on call?"
CORRECTION = "Since the November change, an unacknowledged page escalates to the secondary after 7 minutes."


@pytest.fixture()
def handbook(clean_db, local_embedder, tmp_path):
    """The handbook ingested from a copy (so a test can change a document and ingest it again)."""
    folder = tmp_path / "handbook"
    shutil.copytree(SAMPLE_KB / "handbook", folder)
    with db.connect(clean_db) as conn:
        ingest_folder(conn, folder, "handbook", embedder=local_embedder, settings=make_settings(clean_db))
    return clean_db, folder


@pytest.fixture()
def pipe(handbook, local_embedder, pii_guard):
    from workers.pipeline import Pipeline

    url, _ = handbook
    return Pipeline(make_settings(url), guard=pii_guard, embedder=local_embedder, database_url=url)


def correction_label(url: str, pipe, team: str = "") -> int:
    """A question answered by the pipeline (citing on-call.md) and a pending correction of its answer."""
    result = pipe.ask(QUESTION, ["handbook"], team_id=team)
    assert result.status == "answered" and any(c.document_title.startswith("On-Call") for c in result.citations)
    with db.connect(url) as conn:
        label_id = labels.record_correction(
            conn, result.interaction_id, correction=CORRECTION, user_id="U0EXPERT01", user_name="erin", team_id=team
        )
        conn.commit()
    return label_id


def approve(url: str, label_id: int, local_embedder, actor: str = "admin-ann", owner: str | None = None) -> None:
    with db.connect(url) as conn:
        label = labels.review(conn, label_id, "approved", actor)
        verified.publish(conn, label, embedder=local_embedder, approved_by=actor, owner=owner)
        conn.commit()


def cli(url: str, *args: str):
    return run_cli(url, *args)


def listed(url: str, *args: str) -> list[dict]:
    r = cli(url, "verified", "list", "--format", "json", *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def age(url: str, answer_id: int, days: int) -> None:
    """The answer was verified `days` ago (its review date moves with it)."""
    with db.connect(url) as conn:
        conn.execute(
            "UPDATE verified_answers SET verified_at = verified_at - make_interval(days => %s), "
            "review_after = review_after - make_interval(days => %s) WHERE label_id = %s",
            (days, days, answer_id),
        )
        conn.commit()


def test_approval_names_the_owner_and_the_review_date_the_cli_shows_it(handbook, pipe):
    url, _ = handbook
    label_id = correction_label(url, pipe)
    r = run_cli(url, "labels", "approve", str(label_id), "--owner", BOB, "--actor", "admin-ann", embeddings="local")
    assert r.returncode == 0 and "verified answer published" in r.stdout, r.stderr

    [a] = listed(url)
    assert (a["id"], a["owner"], a["approved_by"], a["status"], a["state"]) == (
        label_id,
        BOB,
        "admin-ann",
        "active",
        "current",
    )
    assert a["verified_by"] == "erin" and a["needs_review"] is False
    assert [s["source_path"] for s in a["sources"]] == ["on-call.md"] and a["sources"][0]["state"] == "unchanged"
    with db.connect(url) as conn:
        row = conn.execute(
            "SELECT review_after - verified_at AS period FROM verified_answers WHERE label_id = %s", (label_id,)
        ).fetchone()
        actions = [r["action"] for r in conn.execute("SELECT action FROM admin_actions ORDER BY id").fetchall()]
    assert row["period"] == timedelta(days=90)
    assert actions == ["labels.approve", "verified.publish"]

    shown = cli(url, "verified", "show", str(label_id))
    assert shown.returncode == 0 and BOB in shown.stdout and "on-call.md" in shown.stdout
    assert "unchanged" in shown.stdout and CORRECTION[:40] in shown.stdout
    table = cli(url, "verified", "list")
    assert str(label_id) in table.stdout and BOB in table.stdout and "current" in table.stdout


def test_an_approver_is_the_owner_by_default_and_a_bad_owner_is_a_clear_error(handbook, pipe, local_embedder):
    url, _ = handbook
    label_id = correction_label(url, pipe)
    r = run_cli(url, "labels", "approve", str(label_id), "--owner", "bob", embeddings="local")
    assert r.returncode == 2 and "not a Slack user id" in r.stderr and "Traceback" not in r.stderr
    with db.connect(url) as conn:
        assert labels.get_label(conn, label_id)["status"] == "pending", "nothing was approved"
    approve(url, label_id, local_embedder, actor="slack:U0ALICE001")  # as the App Home approves
    [a] = listed(url)
    assert a["owner"] == "U0ALICE001"


def test_review_days_per_collection_move_the_review_date(handbook, pipe, local_embedder):
    url, _ = handbook
    label_id = correction_label(url, pipe)
    approve(url, label_id, local_embedder, owner=BOB)
    r = cli(url, "collections", "set", "handbook", "--review-days", "30", "--actor", "ann")
    assert r.returncode == 0 and "30 days" in r.stdout and "(1 moved)" in r.stdout, r.stderr
    with db.connect(url) as conn:
        row = conn.execute("SELECT review_after - verified_at AS period FROM verified_answers").fetchone()
        assert row["period"] == timedelta(days=30)
        assert verified.review_days(conn, "handbook") == 30
        [audit] = conn.execute("SELECT details FROM admin_actions WHERE action = 'collections.set'").fetchall()
    assert audit["details"]["review_days"] == 30
    r = cli(url, "collections", "set", "handbook", "--review-days", "0")
    assert r.returncode == 2 and "at least one day" in r.stderr
    r = cli(url, "collections", "set", "handbook", "--review-days", "many")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_past_its_date_an_answer_is_due_and_still_served(handbook, pipe, local_embedder):
    url, _ = handbook
    label_id = correction_label(url, pipe)
    approve(url, label_id, local_embedder, owner=BOB)
    fresh = pipe.ask(PARAPHRASE, ["handbook"])
    assert fresh.answerer == "verified" and fresh.citations[0].last_verified is None
    age(url, label_id, 91)
    [a] = listed(url, "--due")
    assert a["state"] == "review due" and a["needs_review"] is True
    result = pipe.ask(PARAPHRASE, ["handbook"])
    assert result.answerer == "verified" and "7 minutes" in result.answer
    assert result.citations[0].verified and result.citations[0].last_verified == a["verified_at"][:10]

    r = run_cli(url, "ask", PARAPHRASE, "-c", "handbook", "--json", embeddings="local")
    assert r.returncode == 0, r.stderr
    [cited] = json.loads(r.stdout)["citations"]
    assert cited["verified"] and cited["last_verified"] == a["verified_at"][:10]
    r = run_cli(url, "ask", PARAPHRASE, "-c", "handbook", embeddings="local")
    assert f"last verified on {a['verified_at'][:10]}" in r.stdout


def test_a_changed_source_document_flags_the_answer(handbook, pipe, local_embedder):
    url, folder = handbook
    label_id = correction_label(url, pipe)
    approve(url, label_id, local_embedder, owner=BOB)
    assert listed(url, "--due") == []
    page = folder / "on-call.md"
    page.write_text(page.read_text().replace("within 10 minutes", "within 7 minutes"))
    with db.connect(url) as conn:
        ingest_folder(conn, folder, "handbook", embedder=local_embedder, settings=make_settings(url))
    [a] = listed(url, "--due")
    assert a["state"] == "source changed" and a["sources"][0]["state"] == "changed"
    shown = cli(url, "verified", "show", str(label_id))
    assert "changed since approval" in shown.stdout

    # "Still correct" takes the document as it is now: no longer flagged, reviewed again one period on.
    with db.connect(url) as conn:
        after = verified.confirm(conn, label_id, "slack:U0BOB00001")
        conn.commit()
    assert after.changed_sources == [] and after.review_after - after.verified_at == timedelta(days=90)
    assert listed(url, "--due") == []

    page.unlink()  # the source is gone: flagged again
    with db.connect(url) as conn:
        ingest_folder(conn, folder, "handbook", embedder=local_embedder, settings=make_settings(url))
    [a] = listed(url, "--due")
    assert a["sources"][0]["state"] == "removed"


def test_retire_stops_it_being_used_and_reassign_changes_the_owner(handbook, pipe, local_embedder):
    url, _ = handbook
    label_id = correction_label(url, pipe)
    approve(url, label_id, local_embedder, owner=BOB)

    r = cli(url, "verified", "reassign", str(label_id), "--owner", "carol", "--actor", "ann")
    assert r.returncode == 2 and "not a Slack user id" in r.stderr
    r = cli(url, "verified", "reassign", str(label_id), "--owner", CAROL, "--actor", "ann")
    assert r.returncode == 0 and f"now owned by {CAROL}" in r.stdout, r.stderr
    assert listed(url)[0]["owner"] == CAROL

    r = cli(url, "verified", "retire", str(label_id), "--note", "policy changed", "--actor", "ann")
    assert r.returncode == 0 and "retired" in r.stdout, r.stderr
    assert listed(url) == []
    [a] = listed(url, "--status", "retired")
    assert (a["status"], a["retired_by"], a["document_id"]) == ("retired", "ann", None)
    result = pipe.ask(PARAPHRASE, ["handbook"])
    assert result.answerer != "verified" and "7 minutes" not in result.answer
    assert not [c for c in result.citations if c.verified]

    r = cli(url, "verified", "retire", str(label_id))
    assert r.returncode == 2 and "was retired" in r.stderr and "labels approve" in r.stderr
    r = cli(url, "verified", "reassign", str(label_id), "--owner", BOB)
    assert r.returncode == 2 and "was retired" in r.stderr

    audit = cli(url, "audit")
    for action in ("verified.publish", "verified.reassign", "verified.retire"):
        assert action in audit.stdout
    assert f"verified:{label_id}" in audit.stdout

    # Approving the correction again brings it back, owned anew.
    approve(url, label_id, local_embedder, actor="slack:U0ALICE001")
    [a] = listed(url)
    assert (a["status"], a["owner"]) == ("active", "U0ALICE001")
    assert pipe.ask(PARAPHRASE, ["handbook"]).answerer == "verified"


def test_unknown_ids_bad_options_and_another_workspaces_answer_are_clear_errors(handbook, pipe, local_embedder):
    url, _ = handbook
    with db.connect(url) as conn:
        conn.execute(
            "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
            "VALUES ('T0AAAAAAA1', 'U1', 'B1', 'x'), ('T0BBBBBBB2', 'U2', 'B2', 'y')"
        )
        conn.commit()
    label_id = correction_label(url, pipe, team="T0AAAAAAA1")
    approve(url, label_id, local_embedder, owner=BOB)

    for args in (("show", "999999"), ("retire", "999999"), ("reassign", "999999", "--owner", BOB)):
        r = cli(url, "verified", *args, "--team", "T0AAAAAAA1")
        assert r.returncode == 2 and "Verified answer 999999 does not exist" in r.stderr, (args, r.stderr)
    r = cli(url, "verified", "list")
    assert r.returncode == 2 and "say which one" in r.stderr
    r = cli(url, "verified", "show", str(label_id), "--team", "T0ZZZZZZZ9")
    assert r.returncode == 2 and "not installed" in r.stderr
    for args in (("show", str(label_id)), ("retire", str(label_id)), ("reassign", str(label_id), "--owner", CAROL)):
        r = cli(url, "verified", *args, "--team", "T0BBBBBBB2")
        assert r.returncode == 2 and f"Verified answer {label_id} does not exist" in r.stderr, (args, r.stderr)
    assert listed(url, "--team", "T0BBBBBBB2") == []
    assert [a["id"] for a in listed(url, "--team", "T0AAAAAAA1")] == [label_id]
    assert listed(url, "--team", "T0AAAAAAA1")[0]["status"] == "active", "the other workspace changed nothing"
    r = cli(url, "verified", "list", "--team", "T0AAAAAAA1", "--status", "bogus")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = cli(url, "verified", "list", "--team", "T0AAAAAAA1", "--format", "xml")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    audit_b = cli(url, "audit", "--team", "T0BBBBBBB2")
    assert f"verified:{label_id}" not in audit_b.stdout
    assert f"verified:{label_id}" in cli(url, "audit", "--team", "T0AAAAAAA1").stdout


def test_a_newer_approved_correction_of_the_same_answer_supersedes_the_older(handbook, pipe, local_embedder):
    url, _ = handbook
    first = correction_label(url, pipe)
    approve(url, first, local_embedder, owner=BOB)
    with db.connect(url) as conn:
        interaction = labels.get_label(conn, first)["interaction_id"]
        second = labels.record_correction(
            conn, interaction, correction="Pages escalate to the secondary after 8 minutes now.", user_id=BOB
        )
        conn.commit()
    approve(url, second, local_embedder, owner=BOB)
    assert [a["id"] for a in listed(url)] == [second]
    [old] = listed(url, "--status", "retired")
    assert old["id"] == first
    assert "8 minutes" in pipe.ask(PARAPHRASE, ["handbook"]).answer


def test_a_served_verified_answer_never_shows_the_question_it_was_made_from(handbook, pipe, local_embedder):
    """The question a correction answered was asked by someone, maybe in a DM or a private channel; once approved
    its answer is served to everyone who may read the collection, cited by its verifier, never by that question
    (nor among the closest documents of an "I don't know"). The question still matches (the verified draft)."""
    url, _ = handbook
    label_id = correction_label(url, pipe)
    approve(url, label_id, local_embedder)
    result = pipe.ask(PARAPHRASE, ["handbook"])
    assert result.answerer == "verified" and "7 minutes" in result.answer
    [cited] = [c for c in result.citations if c.verified]
    assert cited.title == "Verified answer (verified by erin)" and cited.section == ""
    _, blocks = answer_message(result, pii={}, expert=None)
    assert QUESTION not in json.dumps(blocks) and "verified by erin" in json.dumps(blocks)
    r = run_cli(url, "ask", PARAPHRASE, "-c", "handbook", embeddings="local")
    assert r.returncode == 0 and "verified by erin" in r.stdout and QUESTION not in r.stdout, r.stdout + r.stderr
    r = run_cli(url, "ask", PARAPHRASE, "-c", "handbook", "--json", embeddings="local")
    assert QUESTION not in r.stdout, r.stdout
    with db.connect(url) as conn:  # an "I don't know" lists the closest documents: the verified one by its verifier
        vector = local_embedder.embed([PARAPHRASE])[0]
        passages = retrieve(conn, PARAPHRASE, ["handbook"], AnsweringParams(), vector).passages
    verified_passage = next(p for p in passages if p.verified)
    assert verified_passage.section_title == QUESTION  # kept for matching
    assert verified_passage.label == "Verified answer (verified by erin)"
