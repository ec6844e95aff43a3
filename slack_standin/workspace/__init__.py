"""The workspace the stand-in simulates: users, channels, messages, threads, reactions, views, triggers.

One class, assembled from a module per concern so that a new Slack API is a new family module plus a line in
the method table below:

- `base.WorkspaceCore`: the state (directory, messages, views, deliveries, calls), emission of events, triggers
  and response URLs, `call_method` (token checks, the lock) and the helpers every family shares;
- `api_auth`, `api_chat`, `api_stream`, `api_assistant`, `api_conversations`, `api_files`, `api_reactions`,
  `api_views`: Web API families, Slack's rules and errors for each method (the scope a method needs is in
  METHOD_SCOPES below);
- `people`: what people do (post, react, run commands and shortcuts, click, submit views);
- `responses`: what the app's acks, response URLs and view responses do;
- `waits`: waiting for calls, replies and views, for tests and benches.
"""

from __future__ import annotations

from .api_assistant import AssistantApi
from .api_auth import AuthApi
from .api_chat import ChatApi
from .api_conversations import ConversationsApi
from .api_files import FilesApi
from .api_reactions import ReactionsApi
from .api_stream import StreamApi
from .api_views import ViewsApi
from .base import (
    ALICE,
    APP_ID,
    BOB,
    BOT_ID,
    BOT_SCOPES,
    BOT_USER_ID,
    GENERAL,
    MAX_STACKED_VIEWS,
    PRIVATE,
    RANDOM,
    RESPONSE_URL_MAX_USES,
    TEAM_ID,
    ApiError,
    AppNotInstalled,
    WorkspaceCore,
)
from .people import PeopleActions
from .responses import AppResponses
from .waits import Waits

__all__ = [
    "ALICE",
    "APP_ID",
    "BOB",
    "BOT_ID",
    "BOT_SCOPES",
    "BOT_USER_ID",
    "GENERAL",
    "MAX_STACKED_VIEWS",
    "PRIVATE",
    "RANDOM",
    "RESPONSE_URL_MAX_USES",
    "SUPPORTED_METHODS",
    "TEAM_ID",
    "ApiError",
    "AppNotInstalled",
    "Workspace",
]


class Workspace(
    PeopleActions,
    AppResponses,
    Waits,
    AuthApi,
    ChatApi,
    StreamApi,
    AssistantApi,
    ConversationsApi,
    ReactionsApi,
    ViewsApi,
    FilesApi,
    WorkspaceCore,
):
    """State and behaviour of one simulated Slack workspace with one installed app (the bot)."""


# The Web API methods the stand-in speaks: Slack's method name → the family method that implements it.
Workspace.METHODS = {
    "api.test": Workspace._m_api_test,
    "auth.test": Workspace._m_auth_test,
    "oauth.v2.access": Workspace._m_oauth_v2_access,
    "apps.connections.open": Workspace._m_apps_connections_open,
    "chat.postMessage": Workspace._m_chat_postMessage,
    "chat.update": Workspace._m_chat_update,
    "chat.delete": Workspace._m_chat_delete,
    "chat.postEphemeral": Workspace._m_chat_postEphemeral,
    "chat.getPermalink": Workspace._m_chat_getPermalink,
    "chat.startStream": Workspace._m_chat_startStream,
    "chat.appendStream": Workspace._m_chat_appendStream,
    "chat.stopStream": Workspace._m_chat_stopStream,
    "assistant.threads.setStatus": Workspace._m_assistant_threads_setStatus,
    "assistant.threads.setSuggestedPrompts": Workspace._m_assistant_threads_setSuggestedPrompts,
    "conversations.replies": Workspace._m_conversations_replies,
    "conversations.history": Workspace._m_conversations_history,
    "conversations.info": Workspace._m_conversations_info,
    "conversations.open": Workspace._m_conversations_open,
    "conversations.members": Workspace._m_conversations_members,
    "usergroups.users.list": Workspace._m_usergroups_users_list,
    "files.info": Workspace._m_files_info,
    "reactions.add": Workspace._m_reactions_add,
    "reactions.remove": Workspace._m_reactions_remove,
    "reactions.get": Workspace._m_reactions_get,
    "users.info": Workspace._m_users_info,
    "views.open": Workspace._m_views_open,
    "views.update": Workspace._m_views_update,
    "views.push": Workspace._m_views_push,
    "views.publish": Workspace._m_views_publish,
}

# Scopes the stand-in checks (the others' scopes are always granted here).
Workspace.METHOD_SCOPES = {
    "chat.startStream": "chat:write",
    "chat.appendStream": "chat:write",
    "chat.stopStream": "chat:write",
    "assistant.threads.setStatus": "chat:write",
    "assistant.threads.setSuggestedPrompts": "assistant:write",
    "files.info": "files:read",
}

SUPPORTED_METHODS = tuple(sorted(Workspace.METHODS))
