"""Trying to break canaries and the live figures per version (real Postgres, the CLI as admins run it): a canary
at 100 % and at the smallest share, a version with no question yet, and a canary that is rolled back."""

from __future__ import annotations

import json
import subprocess
import sys

from core import db
from feedback import canary
from feedback import prompt_versions as pv
from tests.integration.test_canary import _cautious_version, canaries, cli
from tests.support.cli_runner import REPO

__all__ = ["canaries"]  # the fixture, bound here

TEAM = "T0CANARY01"
LIVE_KEYS = {"since", "version", "questions", "up", "dont_know", "grounding", "latency_ms"}


def _asked(pipeline) -> int:
    """The version that answered a Slack question of one known asker of the default scope."""
    result = pipeline.ask("Where can I park?", ["handbook"], team_id="", asker="U0ANYONE01", source="slack")
    return result.prompt_version


def test_a_version_with_no_question_yet_shows_the_same_live_figures_as_any_other(pipeline, canaries):
    """`prompts show V --json` gave {"questions": 0} alone for a version nobody was answered with yet (a canary just
    started): a script reading live.up.value or live.latency_ms.n broke on the first look at a new canary."""
    version = _cautious_version(pipeline.database_url)
    assert cli(pipeline.database_url, "prompts", "canary", str(version), "--percent", "100").returncode == 0
    before = cli(pipeline.database_url, "prompts", "show", str(version))
    assert before.returncode == 0, before.stderr
    live = json.loads(before.stdout)["live"]
    assert set(live) == LIVE_KEYS, live
    assert live["questions"] == 0 and live["version"] == version
    assert live["up"] == {"hits": 0, "n": 0, "value": None, "low": None, "high": None}
    assert live["latency_ms"] == {"n": 0, "value": None, "low": None, "high": None}
    # At 100 % every asker gets the canary; the figures then have the same keys, filled.
    assert _asked(pipeline) == version
    after = json.loads(cli(pipeline.database_url, "prompts", "show", str(version)).stdout)["live"]
    assert set(after) == LIVE_KEYS and after["questions"] == 1 and after["dont_know"]["n"] == 1


def test_the_smallest_share_and_the_whole_share_are_honoured(canaries):
    with db.connect(canaries) as conn:
        version = _cautious_version(canaries)
        canary.start(conn, version, 0.01, "ann", scope="")
        small = canary.running(conn, "")
        assert small is not None and small.percent == 0.01
        users = [f"U{i:09d}" for i in range(20_000)]
        inside = [u for u in users if canary.in_canary(small, TEAM, u)]
        assert 0 < len(inside) < 20  # one bucket in 10,000: a couple of people in 20,000, never none for ever
        canary.start(conn, version, 100, "ann", scope="")
        whole = canary.running(conn, "")
        assert whole is not None and all(canary.in_canary(whole, TEAM, u) for u in users)
        assert set(inside) <= {u for u in users if canary.in_canary(whole, TEAM, u)}  # growing keeps everyone in
        assert not canary.in_canary(whole, TEAM, "")  # no known asker: the active version


def test_assignment_is_the_same_in_another_process(canaries):
    """The bucket is a hash of the version, workspace and user that no process may salt (PYTHONHASHSEED)."""
    here = [canary.bucket(7, TEAM, f"U{i:09d}") for i in range(50)]
    code = f"from feedback.canary import bucket; print([bucket(7, {TEAM!r}, f'U{{i:09d}}') for i in range(50)])"
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                             env={"PYTHONHASHSEED": seed, "PATH": ""}, check=True)  # fmt: skip
        assert json.loads(out.stdout) == here


def test_a_rolled_back_canary_answers_no_one_and_keeps_its_figures(pipeline, canaries):
    url = pipeline.database_url
    version = _cautious_version(url)
    assert cli(url, "prompts", "canary", str(version), "--percent", "100").returncode == 0
    assert _asked(pipeline) == version
    rolled = cli(url, "prompts", "rollback")
    assert rolled.returncode == 0, rolled.stderr
    with db.connect(url) as conn:
        assert canary.running(conn, "") is None and pv.active_version_id(conn, "") == 1  # the pointer stayed
    assert _asked(pipeline) == 1
    stats = cli(url, "stats", "--by-version", "--json")
    assert stats.returncode == 0, stats.stderr
    rows = {r["version"]: r for r in json.loads(stats.stdout)["versions"]}
    assert rows[version]["questions"] == 1 and rows[version]["role"] == ""  # its answers are still counted
    assert rows[1]["role"] == "active"
