"""More ways to break the admin command line: Postgres going away in the middle of a command, a mistyped
collection in `kb jobs`, the canary's --percent. Each must end in a clear error (what went wrong, how to fix it),
a non-zero exit code and no Python traceback."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from core import db
from tests.support.cli_runner import run_cli


def _clear_error(r, *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    for needle in needles:
        assert needle in r.stderr, (needle, r.stderr[-2000:])


def _with_password(url: str, password: str) -> str:
    """The test database's URL with a password in it (trust auth ignores it): it must never be printed."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["password"] = password
    return psycopg.conninfo.make_conninfo(**info)


def _host_port(url: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    return f"{info.get('host') or 'localhost'}:{info.get('port') or 5432}"


@pytest.mark.parametrize(
    ("args", "table"),
    [
        (("labels", "list"), "labels"),
        (("kb", "jobs"), "ingest_jobs"),
        (("prompts", "list"), "prompt_versions"),
    ],
)
def test_postgres_going_away_mid_command_is_a_clear_error(clean_db, args, table):
    """The command's connection is ended by Postgres (pg_terminate_backend) while it waits on a lock the test
    holds: a real lost connection, at a moment the test controls."""
    url = _with_password(clean_db, "s3cret-pw")
    result: dict = {}
    with psycopg.connect(clean_db) as holder, psycopg.connect(clean_db, autocommit=True) as admin:
        holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        runner = threading.Thread(target=lambda: result.update(r=run_cli(url, *args)))
        runner.start()
        deadline = time.monotonic() + 60
        killed = 0
        while not killed and time.monotonic() < deadline and runner.is_alive():
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query ILIKE %s",
                (f"%{table}%",),
            ).fetchone()[0]
            time.sleep(0.05)
        holder.rollback()
    runner.join(120)
    assert killed, "the command never waited on the locked table"
    r = result["r"]
    _clear_error(r, "connection to Postgres", _host_port(clean_db), "DATABASE_URL", "→")
    assert "s3cret-pw" not in r.stderr + r.stdout
    assert "psycopg" not in r.stderr, r.stderr


def test_postgres_not_listening_names_the_host_and_port_but_never_the_password(clean_db):
    with socket_closed() as port:
        url = f"postgresql://answerloop:s3cret-pw@127.0.0.1:{port}/answerloop"
        for args in (("labels", "list"), ("kb", "jobs"), ("prompts", "list")):
            r = run_cli(url, *args)
            _clear_error(r, f"127.0.0.1:{port}", "DATABASE_URL", "→")
            assert "s3cret-pw" not in r.stderr + r.stdout
            assert "schema version" not in r.stderr, "it never got as far as reading the schema"


class socket_closed:
    """A local port nothing listens on (bound, then released)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc) -> None:
        return None


def test_kb_jobs_for_an_unknown_collection_says_so(clean_db, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Deploys\nWe deploy on Tuesdays.\n")
    assert run_cli(clean_db, "kb", "ingest", str(docs), "-c", "handbook", "--inline").returncode == 0
    r = run_cli(clean_db, "kb", "jobs", "-c", "nope")
    _clear_error(r, "Unknown collection", "nope", "handbook")
    r = run_cli(clean_db, "kb", "jobs", "-c", "nope", "--json")
    _clear_error(r, "Unknown collection")
    # a known collection without queued jobs is an empty list, not an error
    r = run_cli(clean_db, "kb", "jobs", "-c", "handbook", "--json")
    assert r.returncode == 0 and r.stdout.strip() == "[]", (r.stdout, r.stderr[-2000:])


def test_a_job_of_a_removed_collection_is_still_listed(clean_db):
    with db.connect(clean_db) as conn:
        conn.execute("INSERT INTO ingest_jobs (collection, root, status) VALUES ('gone', '/tmp/gone', 'done')")
        conn.commit()
    r = run_cli(clean_db, "kb", "jobs", "-c", "gone", "--json")
    assert r.returncode == 0 and '"collection": "gone"' in r.stdout, (r.stdout, r.stderr[-2000:])


def test_the_percent_help_says_what_the_canary_accepts(clean_db):
    r = run_cli(clean_db, "prompts", "canary", "--help")
    assert r.returncode == 0
    said = " ".join(r.stdout.split())
    assert "(0-100]" not in said, "0.001 is in (0-100] and is refused"
    assert "0.01" in said and "100" in said, said
    # what the help says is what is accepted: the bounds pass (up to the version check), just below is refused
    for value in ("0.01", "100"):
        r = run_cli(clean_db, "prompts", "canary", "99999", "--percent", value)
        assert "not a share of traffic" not in r.stderr, (value, r.stderr[-1000:])
    for value in ("0.004", "100.01", "0"):
        _clear_error(run_cli(clean_db, "prompts", "canary", "99999", "--percent", value), "not a share of traffic")


def test_a_statement_timeout_is_not_called_a_lost_connection(clean_db):
    """Only a failed or ended connection is reported as one: a statement timeout is an OperationalError on a
    working connection."""
    from cli.common import database_unreachable

    with psycopg.connect(clean_db, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '10ms'")
        with pytest.raises(psycopg.OperationalError) as timed_out:
            conn.execute("SELECT pg_sleep(1)")
        assert database_unreachable(timed_out.value) is None
        with pytest.raises(psycopg.OperationalError) as ended:
            conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        lost = database_unreachable(ended.value)
        assert lost is not None and "Lost the connection" in str(lost) and "DATABASE_URL" in lost.hint
