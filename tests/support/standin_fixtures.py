"""Fixtures of the tests of the Slack stand-in itself: a stand-in of its own for each test, a WebClient of its bot,
and the error code of a Web API call that must fail.

pytest finds fixtures by the names a test module holds, so a module binds them (these replace the module-scoped
`slack` of tests/support/slack_stack.py for that module):

    slack, client = standin_fixtures.slack, standin_fixtures.client"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_standin import SlackStandin


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        yield standin


@pytest.fixture()
def client(slack: SlackStandin) -> WebClient:
    return WebClient(base_url=slack.web_api_url, token=slack.bot_token)


def api_error(call: Callable[[], Any]) -> str:
    """The `error` of the Slack API response `call` fails with (it must fail)."""
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value.response["error"]
