"""Break-it review of data lifetime: stored bot tokens across key rotation, uninstall and reinstall, and a purge
of a workspace removed while its questions were queued — on the real Postgres."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.oauth.installation_store import Bot

from core import db
from tests.support.cli_runner import run_cli
from workers.slack.installations import PostgresInstallationStore, TokenCipher, new_key, rotate_keys

OLD_KEY, NEW_KEY = new_key(), new_key()
TEAM = "T0LIFE0001"


def _bot(token: str) -> Bot:
    return Bot(
        app_id="A1",
        team_id=TEAM,
        bot_token=token,
        bot_id="BLIFE",
        bot_user_id="ULIFE",
        installed_at=datetime.now(UTC).timestamp(),
    )


@pytest.fixture()
def installed(clean_db) -> Iterator[PostgresInstallationStore]:
    store = PostgresInstallationStore(clean_db, TokenCipher([OLD_KEY]))
    store.save_bot(_bot("xoxb-first-install"))
    try:
        yield store
    finally:
        with db.connect(clean_db) as conn:
            conn.execute("TRUNCATE slack_installations")
            conn.commit()


def _stored(db_url: str) -> list[dict]:
    with db.connect(db_url) as conn:
        return conn.execute("SELECT * FROM slack_installations").fetchall()


def test_a_late_uninstall_event_still_deletes_a_token_whose_keys_were_rotated_since(installed):
    """Slack retries an event the bot did not take (down, restarting) with its first event_time; an admin rotating
    the token keys in between has not installed the app again: the token must go."""
    db_url = installed.db_url
    with db.connect(db_url) as conn:  # installed an hour ago
        conn.execute("UPDATE slack_installations SET installed_at = now() - interval '1 hour', "
                     "updated_at = now() - interval '1 hour'")  # fmt: skip
        conn.commit()
    removed_at = datetime.now(UTC) - timedelta(minutes=5)  # the app was removed 5 minutes ago
    assert rotate_keys(db_url, TokenCipher([NEW_KEY, OLD_KEY])) == 1  # the admin rotates 2 minutes later
    store = PostgresInstallationStore(db_url, TokenCipher([NEW_KEY, OLD_KEY]))
    assert store.find_bot(enterprise_id=None, team_id=TEAM).bot_token == "xoxb-first-install"
    assert store.remove_workspace(enterprise_id=None, team_id=TEAM, event="app_uninstalled", sent_at=removed_at), (
        "a key rotation is not a reinstall"
    )
    assert _stored(db_url) == []


def test_a_key_rotation_never_writes_back_a_token_replaced_by_a_reinstall_meanwhile(installed):
    """rotate-keys reads every token, then writes each re-encrypted: a workspace that reinstalled in between
    (a new token) must keep its new token, not get the old, revoked one back."""
    db_url = installed.db_url

    reinstalled = []

    class ReinstallDuringRotation(TokenCipher):
        def rotate(self, blob: str) -> str:
            rotated = super().rotate(blob)
            if not reinstalled:  # the bot, not restarted yet, still encrypts with the old key
                PostgresInstallationStore(db_url, TokenCipher([OLD_KEY])).save_bot(_bot("xoxb-second-install"))
                reinstalled.append(True)
            return rotated

    assert rotate_keys(db_url, ReinstallDuringRotation([NEW_KEY, OLD_KEY])) == 1
    # The old key can now be dropped, as rotate-keys says: the new install's token was rotated too.
    store = PostgresInstallationStore(db_url, TokenCipher([NEW_KEY]))
    assert store.find_bot(enterprise_id=None, team_id=TEAM).bot_token == "xoxb-second-install"


def test_a_purge_of_a_workspace_removed_while_its_questions_were_queued_reaches_their_rows(clean_db):
    """Removed while its questions waited: each request ended `failed` (keeping its redacted question) and no
    interaction was ever recorded. `db purge --team T --older-than 1d` is how the README says its data goes."""
    old = datetime.now(UTC) - timedelta(days=3)
    with db.connect(clean_db) as conn:
        for ts in ("100.1", "100.2"):
            conn.execute(
                "INSERT INTO slack_requests (team_id, channel_id, message_ts, thread_ts, user_id, kind, "
                "question_redacted, interaction_id, status, error, created_at, updated_at) "
                "VALUES (%s, 'C1', %s, %s, 'U1', 'mention', 'how do I reach <EMAIL_ADDRESS>?', gen_random_uuid(), "
                "'failed', 'The app is no longer installed in workspace T0LIFE0001.', %s, %s)",
                (TEAM, ts, ts, old, old),
            )
        conn.commit()
    out = run_cli(clean_db, "db", "purge", "--older-than", "1d", "--team", TEAM)
    assert out.returncode == 0, out.stdout + out.stderr
    with db.connect(clean_db) as conn:
        left = conn.execute("SELECT count(*) AS n FROM slack_requests WHERE team_id = %s", (TEAM,)).fetchone()
    assert left["n"] == 0
