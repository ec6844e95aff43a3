"""Further workspaces on one stand-in server: the same app installed in several Slack workspaces (teams).

`SlackStandin.add_workspace()` returns a `HostedWorkspace`: a workspace of its own (team id, bot user, bot token
issued by oauth.v2.access, people, channels, user groups, messages, calls) that shares the host's app (app id,
app-level token, client credentials, signing secret), its transports and its lock. The server routes each Web API
call to the workspace whose bot token it carries, so a token of workspace A naming a channel of B gets Slack's
`channel_not_found`; events of B carry B's team id and are signed with the one signing secret.

Seeded like the first workspace, with ids of its own: people `alice` and `bob` (other people than the host's,
with the same names), channels `#general` (bot member), `#random` (bot not a member) and private
`#team-private` (alice and the bot). The people actions default to `alice` and `#general` by name, so
`bravo.send_dm("…")` is bravo's alice writing to bravo's bot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import Delivery, User, new_id
from .workspace import Workspace

if TYPE_CHECKING:
    from .server import SlackStandin


class HostedWorkspace(Workspace):
    """A workspace served by another stand-in's server (see the module docstring)."""

    def __init__(self, host: SlackStandin, *, team_id: str, team_name: str, domain: str, **options: Any) -> None:
        self.host = host
        super().__init__(
            team_id=team_id,
            team_name=team_name,
            domain=domain,
            app_id=host.app_id,
            bot_user_id=new_id("U"),
            bot_id=new_id("B"),
            app_token=host.app_token,
            signing_secret=host.signing_secret,
            trigger_ttl=host.trigger_ttl,
            **options,
        )
        # One app: its client credentials are the host's; one server: one lock and one change signal for all.
        self.client_id = host.client_id
        self.client_secret = host.client_secret
        self.lock = host.lock
        self._changed = host._changed
        self.clock = host.clock
        self._by_envelope = host._by_envelope

    @property
    def base_url(self) -> str:
        return self.host.base_url

    @base_url.setter
    def base_url(self, _value: str) -> None:
        """The host's address is the only one (WorkspaceCore's initial placeholder is ignored)."""

    def _seed(self, bot_name: str) -> None:
        ident = self.identity
        self._users[ident.bot_user_id] = User(
            id=ident.bot_user_id,
            name=bot_name,
            real_name="Answerloop",
            team_id=ident.team_id,
            is_bot=True,
            bot_id=ident.bot_id,
            app_id=ident.app_id,
        )
        domain = ident.domain
        alice = self.add_user("alice", real_name="Alice Example", email=f"alice@{domain}.example.com", is_admin=True)
        bob = self.add_user("bob", real_name="Bob Example", email=f"bob@{domain}.example.com")
        everyone = [alice.id, bob.id]
        self.add_channel("general", members=everyone, bot_member=True)
        self.add_channel("random", members=everyone, bot_member=False)
        self.add_channel("team-private", members=[alice.id], private=True, bot_member=True)

    def _dispatch(self, delivery: Delivery) -> None:
        self.host._dispatch_from(self, delivery)

    def _new_socket_url(self) -> str:
        return self.host._new_socket_url()
