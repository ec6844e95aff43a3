"""Migrations: idempotent, one transaction each, clear errors."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from core import db, migrate


@pytest.fixture()
def scratch_db(database_url):
    name = f"answerloop_mig_{uuid.uuid4().hex[:8]}"
    admin = db.as_url(database_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield db.as_url(database_url, dbname=name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_is_idempotent_and_status_reports(scratch_db):
    files = sorted(p.stem for p in migrate.migrations_dir().glob("*.sql"))
    assert files[:6] == [
        "0001_knowledge_base",
        "0002_prompt_versions",
        "0003_interactions",
        "0004_slack",
        "0005_feedback",
        "0006_slack_installations",
    ]
    assert [m.applied for m in migrate.status(scratch_db)] == [False] * len(files)
    applied = migrate.upgrade(scratch_db)
    assert applied == files
    assert migrate.upgrade(scratch_db) == []
    assert all(m.applied for m in migrate.status(scratch_db))
    with psycopg.connect(scratch_db) as conn:
        assert conn.execute("SELECT version_id FROM prompt_pointer").fetchone() == (1,)
        assert conn.execute("SELECT kind FROM prompt_activations").fetchall() == [("seed",)]
        assert conn.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'").fetchone() == ("vector",)


def test_a_failing_migration_rolls_back_alone(scratch_db, tmp_path, monkeypatch):
    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE t_ok (id int);")
    (tmp_path / "0002_bad.sql").write_text(
        "-- depends: 0001_ok\nCREATE TABLE t_half (id int);\nINSERT INTO t_missing VALUES (1);"
    )
    monkeypatch.setenv("ANSWERLOOP_MIGRATIONS_DIR", str(tmp_path))
    with pytest.raises(migrate.MigrationFailed, match="t_missing") as exc:
        migrate.upgrade(scratch_db)
    assert "applied migrations are kept" in exc.value.hint
    with psycopg.connect(scratch_db) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert "t_ok" in tables and "t_half" not in tables
    assert [m.applied for m in migrate.status(scratch_db)] == [True, False]


def test_unreachable_database_is_a_clear_error():
    from core.errors import DatabaseUnavailable

    with pytest.raises(DatabaseUnavailable, match="Cannot connect"):
        migrate.status("postgresql://nobody@127.0.0.1:1/nothing")


def test_no_migrations_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ANSWERLOOP_MIGRATIONS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(migrate.MigrationFailed, match="No migrations found") as exc:
        migrate.migrations_dir()
    assert "ANSWERLOOP_MIGRATIONS_DIR" in exc.value.hint


def test_a_regular_install_carries_the_migrations(tmp_path):
    """A wheel (what `pip install .` and the image install) ships migrations/ as data files."""
    import shutil
    import subprocess
    import sys
    import zipfile

    from tests.conftest import REPO

    src = tmp_path / "src"  # a copy: building leaves build/ and *.egg-info next to the sources
    skip = shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "tests", "bench", "deploy")
    shutil.copytree(REPO, src, ignore=skip)
    wheel_cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    subprocess.run([*wheel_cmd, str(src)], check=True, capture_output=True, timeout=300, cwd=src)
    [wheel] = tmp_path.glob("answerloop-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n.rsplit("/", 1)[-1] for n in names if "/data/share/answerloop/migrations/" in n)
    assert shipped == sorted(p.name for p in (REPO / "migrations").glob("*.sql"))


@pytest.mark.parametrize("installed", [(), ("T0ONLYONE1",), ("T0FIRST001", "T0SECOND02")])
def test_prompt_history_goes_to_the_one_installed_workspace_or_the_default_scope(
    scratch_db, tmp_path, monkeypatch, installed
):
    """0010: with one OAuth workspace the existing versions, pointer, history and reports become its own (its
    questions resolve to it); with none (a bot-token install) they stay the default scope's; with several, no
    workspace is given versions built from the others' labels — each starts from the shared seed."""
    import shutil

    from feedback import prompt_versions as pv

    before = tmp_path / "before"
    before.mkdir()
    for f in migrate.migrations_dir().glob("*.sql"):
        if f.stem < "0010":
            shutil.copy(f, before)
    monkeypatch.setenv("ANSWERLOOP_MIGRATIONS_DIR", str(before))
    migrate.upgrade(scratch_db)
    with db.connect(scratch_db) as conn:
        for i, team in enumerate(installed):
            conn.execute(
                "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
                "VALUES (%s, %s, %s, 'x')",
                (team, f"U{i}", f"B{i}"),
            )
        v2 = conn.execute(
            "INSERT INTO prompt_versions (instructions, params, parent_id, author) "
            "SELECT instructions, params, 1, 'retune' FROM prompt_versions WHERE id = 1 RETURNING id"
        ).fetchone()["id"]
        conn.execute("UPDATE prompt_pointer SET version_id = %s", (v2,))
        conn.execute(
            "INSERT INTO prompt_activations (version_id, previous_version_id, actor, kind) "
            "VALUES (%s, 1, 'beat', 'promote')",
            (v2,),
        )
        conn.execute(
            "INSERT INTO eval_reports (kind, actor, decision, baseline_version_id, candidate_version_id) "
            "VALUES ('retune', 'beat', 'promoted', 1, %s)",
            (v2,),
        )
        conn.commit()
    monkeypatch.delenv("ANSWERLOOP_MIGRATIONS_DIR")
    assert migrate.upgrade(scratch_db)[0] == "0010_prompt_scopes"
    owner = installed[0] if len(installed) == 1 else ""
    with db.connect(scratch_db) as conn:
        owners = conn.execute("SELECT id, team_id FROM prompt_versions ORDER BY id").fetchall()
        assert owners == [{"id": 1, "team_id": None}, {"id": v2, "team_id": owner}], "the seed stays shared"
        assert conn.execute("SELECT team_id, version_id FROM prompt_pointer").fetchall() == [
            {"team_id": owner, "version_id": v2}
        ]
        assert {r["team_id"] for r in conn.execute("SELECT team_id FROM prompt_activations")} == {owner}
        assert conn.execute("SELECT team_id FROM eval_reports").fetchall() == [{"team_id": owner}]
        for team in installed or ("T0TOKEN001",):  # a bot-token install's workspace is not in the database
            expected = v2 if len(installed) <= 1 else pv.SEED_VERSION_ID
            assert pv.active_version_for(conn, team).id == expected, team
            assert pv.history_stack(conn, pv.scope_of(conn, team)) == ([1, v2] if expected == v2 else [1])
