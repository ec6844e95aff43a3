"""Canary tests of prompt versions (issue G.4): a candidate answers a sticky share of askers through the real
pipeline, its live figures are compared per version with 95% intervals, and promote / rollback end it (real
Postgres, the CLI as admins run it)."""

from __future__ import annotations

import json

import pytest

from core import db
from feedback import canary, labels
from feedback import prompt_versions as pv
from feedback.stats import median_interval, version_stats, wilson
from tests.support import canary_fixtures
from tests.support.cli_runner import run_cli
from tests.support.records import seed_variant

TEAM = "T0CANARY01"
ANSWERABLE = "How long before an unacknowledged page escalates?"


def _cautious_version(url: str, scope: str = "") -> int:
    """A candidate that says "I don't know" to everything (threshold 0.99): easy to tell apart from the seed."""
    with db.connect(url) as conn:
        params = {"answerability_threshold": 0.99, "gate": "calibrated"}
        version = seed_variant(conn, params, author="test", note="cautious candidate", scope=scope)
        conn.commit()
    return version


# Canary rows are no test's business but this module's: tests/support/canary_fixtures.py's, start and end with none.
canaries = canary_fixtures.no_canaries


def cli(url: str, *args: str):
    return run_cli(url, *args, env={"ANSWERLOOP_ADMIN": "ann"})


def _asker_in(url: str, version: int, inside: bool, start: int = 0) -> str:
    for i in range(start, start + 1000):
        user = f"U{i:09d}"
        if (canary.bucket(version, TEAM, user) < 1000) == inside:  # 10%
            return user
    raise AssertionError("no asker found")


def test_assignment_is_sticky_and_near_the_percent_over_many_askers(canaries):
    url = canaries
    v2 = _cautious_version(url)
    out = cli(url, "prompts", "canary", str(v2), "--percent", "10", "--reason", "try the cautious one")
    assert out.returncode == 0, out.stderr
    assert f"v{v2} answers 10% of askers; the others keep v1" in out.stdout
    askers = [f"U{i:09d}" for i in range(4000)]
    with db.connect(url) as conn:
        first = {u: canary.serving_version(conn, TEAM, u).id for u in askers}
        again = {u: canary.serving_version(conn, TEAM, u).id for u in askers[:500]}
        nobody = canary.serving_version(conn, TEAM, "").id  # the command line, batch runs: the active version
    share = sum(v == v2 for v in first.values()) / len(askers)
    assert 0.085 <= share <= 0.115, share  # 400 ± 3 sd of a binomial(4000, 0.1)
    assert all(first[u] == again[u] for u in again) and nobody == 1
    # Another workspace's asker with the same user id is drawn separately (team + user).
    with db.connect(url) as conn:
        other = {u: canary.serving_version(conn, "T0ELSEWHERE", u).id for u in askers[:2000]}
    assert sum(other[u] != first[u] for u in other) > 50

    # Growing the share keeps everyone already in it.
    assert cli(url, "prompts", "canary", str(v2), "--percent", "25").returncode == 0
    with db.connect(url) as conn:
        grown = {u: canary.serving_version(conn, TEAM, u).id for u in askers}
        actions = conn.execute(
            "SELECT action, actor, details FROM admin_actions WHERE action = 'prompts.canary' ORDER BY id"
        ).fetchall()
    assert all(grown[u] == v2 for u, v in first.items() if v == v2)
    assert 0.22 <= sum(v == v2 for v in grown.values()) / len(askers) <= 0.28
    assert [(a["actor"], a["details"]["percent"]) for a in actions] == [("ann", 10.0), ("ann", 25.0)]
    assert actions[1]["details"]["previous_percent"] == 10.0 and actions[0]["details"]["team"] == ""


def test_the_pipeline_answers_with_the_askers_version_and_records_it(pipeline, canaries):
    url = canaries
    v2 = _cautious_version(url)
    with db.connect(url) as conn:
        canary.start(conn, v2, 10, "ann", scope="")
        conn.commit()
    inside, outside = _asker_in(url, v2, True), _asker_in(url, v2, False)
    for _ in range(2):  # sticky: the same asker, the same version, every time
        a = pipeline.ask(ANSWERABLE, ["handbook"], team_id=TEAM, asker=inside, source="slack")
        b = pipeline.ask(ANSWERABLE, ["handbook"], team_id=TEAM, asker=outside, source="slack")
        assert (a.prompt_version, a.status) == (v2, "dont_know")
        assert (b.prompt_version, b.status) == (1, "answered")
    cli_asked = pipeline.ask(ANSWERABLE, ["handbook"], team_id=TEAM)  # no asker: the active version
    assert cli_asked.prompt_version == 1
    with db.connect(url) as conn:
        recorded = conn.execute(
            "SELECT prompt_version_id, count(*) AS n FROM interactions GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert [(r["prompt_version_id"], r["n"]) for r in recorded] == [(1, 3), (v2, 2)]


def test_live_figures_per_version_with_confidence_intervals(pipeline, canaries):
    url = canaries
    v2 = _cautious_version(url)
    with db.connect(url) as conn:
        canary.start(conn, v2, 10, "ann", scope="")
        conn.commit()
    inside = [_asker_in(url, v2, True, start=s) for s in (0, 2000, 4000)]
    outside = [f"U{i:09d}" for i in range(8000, 8100) if canary.bucket(v2, TEAM, f"U{i:09d}") >= 1000][:5]
    control = [pipeline.ask(ANSWERABLE, ["handbook"], team_id=TEAM, asker=u) for u in outside]
    tried = [pipeline.ask(ANSWERABLE, ["handbook"], team_id=TEAM, asker=u) for u in inside]
    with db.connect(url) as conn:
        for i, r in enumerate(control):  # 4 👍, 1 👎 on the control's answers
            labels.record_vote(conn, r.interaction_id, kind="up" if i < 4 else "down", reaction="+1", user_id="UV",
                               team_id=TEAM)  # fmt: skip
        labels.record_vote(conn, tried[0].interaction_id, kind="down", reaction="-1", user_id="UV", team_id=TEAM)
        conn.commit()
        stats = {s.version: s for s in version_stats(conn, _long_ago(), TEAM)}
    seed, cand = stats[1], stats[v2]
    assert (seed.questions, cand.questions) == (5, 3)
    assert (seed.up.hits, seed.up.n, cand.up.hits, cand.up.n) == (4, 5, 0, 1)
    assert seed.up == wilson(4, 5) and seed.up.low < 0.8 < seed.up.high  # wide: five votes say little
    assert (seed.dont_know.hits, cand.dont_know.hits, cand.dont_know.value) == (0, 3, 1.0)
    assert seed.grounding.n == 5 and seed.grounding.value == 1.0 and cand.grounding.n == 0
    assert cand.grounding.value is None  # the gate said no: no draft was checked
    assert seed.latency_ms.n == 5 and seed.latency_ms.low <= seed.latency_ms.value <= seed.latency_ms.high

    out = cli(url, "stats", "--by-version", "--json")
    assert out.returncode == 0, out.stderr
    rows = {r["version"]: r for r in json.loads(out.stdout)["versions"]}
    assert rows[v2]["role"] == "canary 10%" and rows[1]["role"] == "active"
    assert rows[1]["up"] == {"hits": 4, "n": 5, "value": 0.8, "low": seed.up.low, "high": seed.up.high}
    table = cli(url, "stats", "--by-version")
    assert table.returncode == 0 and "canary 10%" in table.stdout and "80% [" in table.stdout

    shown = cli(url, "prompts", "show", str(v2))
    assert shown.returncode == 0, shown.stderr
    live = json.loads(shown.stdout)
    assert live["canary"]["percent"] == 10.0 and live["active"] is False
    assert live["live"]["questions"] == 3 and live["live"]["dont_know"]["value"] == 1.0
    listed = cli(url, "prompts", "list")
    assert "10%" in listed.stdout


def test_promote_ends_the_canary_and_everyone_gets_the_version(pipeline, canaries):
    url = canaries
    v2 = _cautious_version(url)
    outside = _asker_in(url, v2, False)
    assert cli(url, "prompts", "canary", str(v2), "-p", "10").returncode == 0
    assert pipeline.ask(ANSWERABLE, ["handbook"], team_id=TEAM, asker=outside).prompt_version == 1
    out = cli(url, "prompts", "promote", str(v2), "--reason", "fewer wrong answers")
    assert out.returncode == 0, out.stderr
    assert f"v{v2} promoted" in out.stdout
    assert pipeline.ask(ANSWERABLE, ["handbook"], team_id=TEAM, asker=outside).prompt_version == v2
    with db.connect(url) as conn:
        assert canary.running(conn, "") is None and pv.active_version_id(conn) == v2
        ended = conn.execute("SELECT outcome, ended_by FROM prompt_canaries").fetchall()
        audit = [r["action"] for r in conn.execute("SELECT action FROM admin_actions ORDER BY id").fetchall()]
        moves = conn.execute("SELECT kind FROM prompt_activations WHERE team_id = '' ORDER BY id").fetchall()
    assert ended == [{"outcome": "promoted", "ended_by": "ann"}]
    assert audit == ["prompts.canary", "prompts.promote", "prompts.canary_end"]
    assert moves[-1]["kind"] == "promote"
    again = cli(url, "prompts", "promote", str(v2))
    assert again.returncode == 2 and f"v{v2} is not in a canary" in again.stderr


def test_activating_the_canarys_version_for_everyone_ends_its_canary(canaries):
    url = canaries
    v2 = _cautious_version(url)
    assert cli(url, "prompts", "canary", str(v2), "--percent", "10").returncode == 0
    out = cli(url, "prompts", "activate", str(v2))
    assert out.returncode == 0 and f"v{v2} is active (was v1); its canary has ended" in out.stdout, out.stderr
    with db.connect(url) as conn:
        assert canary.running(conn, "") is None
        assert conn.execute("SELECT outcome FROM prompt_canaries").fetchall() == [{"outcome": "promoted"}]


def test_rollback_ends_the_canary_without_moving_the_active_version(pipeline, canaries):
    url = canaries
    v2 = _cautious_version(url)
    inside = _asker_in(url, v2, True)
    assert cli(url, "prompts", "canary", str(v2), "--percent", "10").returncode == 0
    assert pipeline.ask(ANSWERABLE, ["handbook"], team_id=TEAM, asker=inside).prompt_version == v2
    out = cli(url, "prompts", "rollback", "--reason", "too many I don't knows")
    assert out.returncode == 0, out.stderr
    assert f"canary of v{v2} ended: every question is answered with v1 again" in out.stdout
    assert pipeline.ask(ANSWERABLE, ["handbook"], team_id=TEAM, asker=inside).prompt_version == 1
    with db.connect(url) as conn:
        assert pv.active_version_id(conn) == 1 and canary.running(conn, "") is None
        [end] = conn.execute("SELECT details FROM admin_actions WHERE action = 'prompts.canary_end'").fetchall()
    assert end["details"]["outcome"] == "rolled_back" and end["details"]["reason"] == "too many I don't knows"
    # With no canary running, rollback is the pointer's rollback again.
    plain = cli(url, "prompts", "rollback")
    assert plain.returncode == 2 and "Nothing to roll back to" in plain.stderr


def test_clear_errors_for_a_canary_that_cannot_start(canaries):
    url = canaries
    v2, v3 = _cautious_version(url), _cautious_version(url)
    for args, message in (
        (("prompts", "canary", str(v2), "--percent", "0"), "is not a share of traffic"),
        (("prompts", "canary", str(v2), "--percent", "150"), "is not a share of traffic"),
        (("prompts", "canary", "1", "--percent", "10"), "v1 is already the active version"),
        (("prompts", "canary", "999", "--percent", "10"), "Prompt version 999 does not exist"),
        (("prompts", "promote", str(v2)), f"v{v2} is not in a canary (no version is)"),
    ):
        out = cli(url, *args)
        assert out.returncode == 2 and message in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
    assert cli(url, "prompts", "canary", str(v2), "--percent", "5").returncode == 0
    busy = cli(url, "prompts", "canary", str(v3), "--percent", "5")
    assert busy.returncode == 2 and f"v{v2} is already in a canary (5% of askers)" in busy.stderr


def test_a_canary_is_scoped_to_its_workspace(pipeline, canaries):
    url = canaries
    a, b = "T0ALPHA001", "T0BRAVO002"
    with db.connect(url) as conn:
        for i, team in enumerate((a, b)):
            conn.execute(
                "INSERT INTO slack_installations (team_id, bot_user_id, bot_id, bot_token_encrypted) "
                "VALUES (%s, %s, %s, 'x')",
                (team, f"U{i}", f"B{i}"),
            )
        conn.commit()
    v_a = _cautious_version(url, scope=a)
    refused = cli(url, "prompts", "canary", str(v_a), "--percent", "100")
    assert refused.returncode == 2 and "say which one" in refused.stderr
    other = cli(url, "prompts", "canary", str(v_a), "--percent", "100", "--team", b)
    assert other.returncode == 2 and f"Prompt version {v_a} does not exist" in other.stderr
    ok = cli(url, "prompts", "canary", str(v_a), "--percent", "100", "--team", a)
    assert ok.returncode == 0, ok.stderr
    assert pipeline.ask(ANSWERABLE, ["handbook"], team_id=a, asker="U0ANYONE01").prompt_version == v_a
    assert pipeline.ask(ANSWERABLE, ["handbook"], team_id=b, asker="U0ANYONE01").prompt_version == 1
    b_view = cli(url, "stats", "--by-version", "--json", "--team", b)
    assert [r["version"] for r in json.loads(b_view.stdout)["versions"]] == [1]
    with db.connect(url) as conn:
        assert canary.running(conn, b) is None and canary.running(conn, a).version_id == v_a
        with pytest.raises(Exception, match="belongs to another workspace"):
            conn.execute("INSERT INTO prompt_canaries (team_id, version_id, percent, started_by) "
                         "VALUES (%s, %s, 10, 'sql')", (b, v_a))  # fmt: skip


def test_median_interval_brackets_the_median():
    m = median_interval([float(x) for x in range(1, 101)])
    assert m.value == 50.5 and m.low is not None and m.high is not None
    assert 35 <= m.low < 50.5 < m.high <= 66
    assert median_interval([]).value is None and wilson(0, 0).value is None


def _long_ago():
    from datetime import UTC, datetime

    return datetime(2000, 1, 1, tzinfo=UTC)
