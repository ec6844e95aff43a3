"""The stand-in's file model, through unmodified slack_sdk and plain HTTP: files shared with a message (events carry
the file objects), files.info and its errors, url_private only with the bot token, the control call."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError

from slack_standin import BOT_USER_ID, GENERAL, RANDOM, SlackStandin
from slack_standin.control import ControlClient


@pytest.fixture()
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as standin:
        yield standin


def get(url: str, token: str | None = None) -> tuple[int, str, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as resp:
            return resp.status, resp.headers.get_content_type(), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get_content_type(), err.read()


def event_of(slack: SlackStandin, kind: str, ts: str) -> dict:
    [delivery] = slack.deliveries(event_type=kind, ts=ts)
    assert delivery.event is not None
    return delivery.event


def test_a_message_with_a_file_and_a_snippet_carries_slacks_file_objects(slack):
    notes = slack.add_file("notes.txt", "line one\nline two\n")
    snippet = slack.add_file("deploy.py", "import os\nprint(os.environ['X'])\n", snippet=True)
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> what is this?", files=[notes, snippet.id])
    message = event_of(slack, "message", msg.ts)
    assert message["subtype"] == "file_share" and message["upload"] is False
    hosted, typed = message["files"]
    assert (hosted["id"], hosted["name"], hosted["mimetype"], hosted["filetype"], hosted["mode"], hosted["size"]) == (
        notes.id, "notes.txt", "text/plain", "text", "hosted", 18
    )  # fmt: skip
    assert hosted["url_private"].startswith(slack.base_url + "/files-pri/") and GENERAL in hosted["channels"]
    assert (typed["mode"], typed["filetype"], typed["mimetype"], typed["lines"]) == (
        "snippet",
        "python",
        "text/plain",
        2,
    )
    mention = event_of(slack, "app_mention", msg.ts)
    assert "subtype" not in mention and [f["id"] for f in mention["files"]] == [notes.id, snippet.id]


def test_files_info_returns_the_file_or_slacks_errors(slack):
    client = slack.web_client()
    shared = slack.add_file("a.csv", "x,y\n1,2\n")
    slack.post_message(GENERAL, "here", files=[shared])
    info = client.files_info(file=shared.id)
    assert info["file"]["name"] == "a.csv" and info["file"]["filetype"] == "csv" and info["file"]["size"] == 8
    elsewhere = slack.add_file("b.txt", "in a channel the bot is not in")
    slack.post_message(RANDOM, "here", files=[elsewhere])
    unshared = slack.add_file("c.txt", "never posted")
    for file_id, error in (
        (elsewhere.id, "file_not_found"),
        (unshared.id, "file_not_found"),
        ("F0NOPE", "file_not_found"),
    ):
        with pytest.raises(SlackApiError) as exc:
            client.files_info(file=file_id)
        assert exc.value.response["error"] == error
    slack.delete_file(shared.id)
    with pytest.raises(SlackApiError) as exc:
        client.files_info(file=shared.id)
    assert exc.value.response["error"] == "file_deleted"
    other = slack.add_file("d.txt", "text")
    slack.post_message(GENERAL, "here", files=[other])
    slack.remove_scope("files:read")
    with pytest.raises(SlackApiError) as exc:
        client.files_info(file=other.id)
    assert exc.value.response["error"] == "missing_scope"


def test_url_private_needs_the_bot_token_of_the_files_workspace(slack):
    data = bytes(range(256))
    blob = slack.add_file("dump.bin", data)
    slack.post_message(GENERAL, "binary", files=[blob])
    url = slack.web_client().files_info(file=blob.id)["file"]["url_private"]
    assert get(url, slack.bot_token) == (200, "application/octet-stream", data)
    assert get(url)[0] == 401
    assert get(url, "xoxb-not-the-token")[0] == 403
    bravo = slack.add_workspace("T0BRAVO001")
    assert get(url, bravo.bot_token)[0] == 403, "another workspace's token"
    slack.fail_file_download(blob.id, 503)
    assert get(url, slack.bot_token)[0] == 503
    slack.fail_file_download(blob.id, None)
    slack.delete_file(blob.id)
    assert get(url, slack.bot_token)[:1] == (404,)
    downloads = slack.calls("files.download")
    assert [c.http_status for c in downloads] == [200, 401, 403, 403, 503, 404]


def test_the_control_api_posts_a_message_with_a_file(slack):
    control = ControlClient(slack.base_url)
    answer = control.request(
        "say",
        {
            "channel": "general",
            "text": f"<@{BOT_USER_ID}> see the log",
            "files": [
                {"name": "app.log", "content": "ERROR boom\n"},
                {"name": "q.py", "content": "x=1", "snippet": True},
            ],
        },
    )
    assert answer["ok"], answer
    files = answer["message"]["files"]
    assert [(f["name"], f["mode"]) for f in files] == [("app.log", "hosted"), ("q.py", "snippet")]
    assert get(files[0]["url_private"], slack.bot_token)[2] == b"ERROR boom\n"
    assert control.request("say", {"channel": "general", "text": "x", "files": [{"content": "no name"}]})["ok"] is False


def test_chat_post_message_records_what_the_app_asked_of_unfurls(slack):
    client = slack.web_client()
    quiet = client.chat_postMessage(
        channel=GENERAL, text="<https://example.com|docs>", unfurl_links=False, unfurl_media=False
    )
    default = client.chat_postMessage(channel=GENERAL, text="<https://example.com|docs>")
    q, d = slack.message(GENERAL, quiet["ts"]), slack.message(GENERAL, default["ts"])
    assert q is not None and d is not None
    assert (q.unfurl_links, q.unfurl_media) == (False, False) and (d.unfurl_links, d.unfurl_media) == (False, True)


def test_the_command_line_attaches_files_and_snippets(slack, tmp_path, capsys):
    from slack_standin import cli

    log, query = tmp_path / "app.log", tmp_path / "query.sql"
    log.write_text("ERROR boom\n")
    query.write_text("SELECT 1;\n")
    argv = ["say", "--url", slack.base_url, "--file", str(log), "--snippet", str(query), "see these"]
    assert cli.main(argv) == 0
    ts = capsys.readouterr().out.strip()
    msg = slack.message(GENERAL, ts)
    assert msg is not None and msg.files is not None
    assert [(f["name"], f["mode"], f["mimetype"]) for f in msg.files] == [
        ("app.log", "hosted", "text/plain"), ("query.sql", "snippet", "text/plain")
    ]  # fmt: skip
    assert cli.main(["dm", "--url", slack.base_url, "--snippet", str(query), "and this"]) == 0
