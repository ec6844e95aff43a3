"""Break-it: Slack's limits on a view besides its blocks — private_metadata (3,000 characters), callback_id (255), a
modal's submit and close text (24) — enforced by the stand-in as Slack does (invalid_arguments), and the bot's
modals within them whatever rides in their metadata."""

from __future__ import annotations

import json

import pytest
from slack_sdk.errors import SlackApiError

from bot import feedback_blocks as fb
from slack_standin import ALICE, SlackStandin
from workers.slack import respond


@pytest.fixture(scope="module")
def standin():
    with SlackStandin() as s:
        yield s


def _home(**fields) -> dict:
    return {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}], **fields}


def test_the_stand_in_refuses_private_metadata_over_3000_characters(standin):
    client = standin.web_client()
    assert client.views_publish(user_id=ALICE, view=_home(private_metadata="x" * 3000))["ok"]
    with pytest.raises(SlackApiError) as refused:
        client.views_publish(user_id=ALICE, view=_home(private_metadata="x" * 3001))
    assert refused.value.response["error"] == "invalid_arguments"
    assert "/view/private_metadata" in str(refused.value.response["response_metadata"])


def test_the_stand_in_refuses_a_callback_id_over_255_characters(standin):
    with pytest.raises(SlackApiError) as refused:
        standin.web_client().views_publish(user_id=ALICE, view=_home(callback_id="c" * 256))
    assert "/view/callback_id" in str(refused.value.response["response_metadata"])


def test_the_comment_modal_fits_with_the_longest_response_url_it_keeps():
    url = "https://hooks.slack.com/actions/" + "a" * (respond.MAX_URL_CHARS - 32)
    assert len(url) == respond.MAX_URL_CHARS
    view = fb.comment_modal(2**63 - 1, "C" + "0" * 40, "1700000000.000100", url)
    assert len(view["private_metadata"]) <= 3000
    assert json.loads(view["private_metadata"])["response_url"] == url
