"""`answerloop slack`: multi-workspace installs — token encryption keys and installations."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from cli.admin import Actor, acting_admin, admin_db_url
from cli.output import console
from core import db
from core.settings import get_settings

slack_app = typer.Typer(help="Multi-workspace installs: token encryption keys and installations.", no_args_is_help=True)


@slack_app.command("new-key")
def slack_new_key() -> None:
    """Print a new key for ANSWERLOOP_TOKEN_KEYS (Fernet: 32 url-safe base64 bytes)."""
    from workers.slack.installations import new_key

    print(new_key())


@slack_app.command("installations")
def slack_installations() -> None:
    """Workspaces the app is installed in (never the tokens)."""
    with db.connect(admin_db_url()) as conn:
        rows = conn.execute(
            "SELECT team_id, team_name, enterprise_id, bot_user_id, bot_scopes, installer_user_id, installed_at, "
            "updated_at FROM slack_installations ORDER BY installed_at"
        ).fetchall()
    if not rows:
        console.print("no OAuth installations (a single-workspace bot uses SLACK_BOT_TOKEN)")
        return
    table = Table("team", "name", "bot user", "installed by", "installed", "updated", "scopes")
    for r in rows:
        table.add_row(
            r["team_id"],
            escape(r["team_name"]),
            r["bot_user_id"],
            r["installer_user_id"],
            f"{r['installed_at']:%Y-%m-%d %H:%M}",
            f"{r['updated_at']:%Y-%m-%d %H:%M}",
            r["bot_scopes"],
        )
    console.print(table)


@slack_app.command("rotate-keys")
def slack_rotate_keys(actor: Actor = "") -> None:
    """Re-encrypt every stored bot token with the first key of ANSWERLOOP_TOKEN_KEYS (then drop the old key)."""
    from feedback.audit import record_action
    from workers.slack.installations import TokenCipher, rotate_keys

    actor = acting_admin(actor)
    url = admin_db_url()
    n = rotate_keys(url, TokenCipher(get_settings().token_keys))
    with db.connect(url) as conn:
        record_action(conn, actor, "slack.rotate_keys", "slack_installations", {"tokens": n})
        conn.commit()
    console.print(f"re-encrypted {n} token(s) with the first key; the others can now be removed")
