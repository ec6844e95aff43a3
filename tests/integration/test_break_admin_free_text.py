"""Free text an admin types into a command (--expert, --actor) as a demanding admin types it (subprocess, real
Postgres): square brackets are printed as written by every command that shows them again, never read as Rich
markup."""

from __future__ import annotations

from tests.support.cli_runner import run_cli


def test_an_expert_or_an_actor_that_looks_like_rich_markup_never_breaks_a_listing(clean_db):
    """`channels show` printed the expert and who set it as Rich markup: '[/x]' was a MarkupError traceback, and
    '[bold]' vanished from what the admin reads."""
    expert, actor = "[/x] <@U0BOB> [bold]", "[/] ann"
    r = run_cli(clean_db, "channels", "set", "T0AAA/C0BBB", "--expert", expert, "--actor", actor)
    assert r.returncode == 0, r.stderr[-1500:]
    r = run_cli(clean_db, "channels", "show")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-1500:]
    assert expert in r.stdout and actor in r.stdout, r.stdout


def test_a_retune_report_by_an_actor_with_square_brackets_is_printed(clean_db):
    """The retune report's header printed `by ACTOR` as Rich markup: `retune --dry-run --actor '[/]'` stored its
    report, then failed with a traceback printing it, and `retune show` failed the same way ever after."""
    actor = "[/] ann [bold]"
    r = run_cli(clean_db, "retune", "--dry-run", "--actor", actor)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-1500:]
    assert f"by {actor}" in r.stdout, r.stdout
    r = run_cli(clean_db, "retune", "show")
    assert r.returncode == 0 and f"by {actor}" in r.stdout, r.stderr[-1500:]
