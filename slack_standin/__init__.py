"""A local stand-in for Slack that speaks Slack's wire protocols to unmodified slack_sdk / slack_bolt code.

    with SlackStandin() as slack:
        client = WebClient(base_url=slack.web_api_url, token=slack.bot_token)
        ...

See server.py (transports), workspace/ (state, one module per Web API family, what people do, waits),
control.py (HTTP control API).
"""

from .model import ApiCall, Attempt, Channel, Delivery, Ephemeral, Message, User, View
from .server import SlackStandin
from .workspace import (
    ALICE,
    APP_ID,
    BOB,
    BOT_ID,
    BOT_USER_ID,
    GENERAL,
    PRIVATE,
    RANDOM,
    SUPPORTED_METHODS,
    TEAM_ID,
    ApiError,
    AppNotInstalled,
)

__all__ = [
    "ALICE",
    "APP_ID",
    "BOB",
    "BOT_ID",
    "BOT_USER_ID",
    "GENERAL",
    "PRIVATE",
    "RANDOM",
    "SUPPORTED_METHODS",
    "TEAM_ID",
    "ApiCall",
    "ApiError",
    "AppNotInstalled",
    "Attempt",
    "Channel",
    "Delivery",
    "Ephemeral",
    "Message",
    "SlackStandin",
    "User",
    "View",
]
