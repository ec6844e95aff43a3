"""Command line: `python -m slack_standin serve|say|dm|react|feedback|command|thread|info|fault|refuse`."""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from .control import ControlClient

DEFAULT_URL = "http://127.0.0.1:3001"


def _serve(args: argparse.Namespace) -> int:
    from .server import SlackStandin

    stop = threading.Event()  # handlers first: a SIGTERM right after the banner must still stop cleanly
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    slack = SlackStandin(
        host=args.host,
        port=args.port,
        request_url=args.request_url,
        ack_timeout=args.ack_timeout,
        bot_token=args.bot_token,
        app_token=args.app_token,
        signing_secret=args.signing_secret,
    )
    slack.start()
    info = slack.info()
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        delivery = f"HTTP -> {info['request_url']}" if info["request_url"] else "Socket Mode (apps.connections.open)"
        lines = [
            f"Slack stand-in listening on {info['base_url']}",
            f"  Web API base URL  {info['web_api_url']}   (slack_sdk: WebClient(base_url=...))",
            f"  Control API       {info['control_url']}",
            f"  bot token         {info['bot_token']}",
            f"  app token         {info['app_token']}",
            f"  signing secret    {info['signing_secret']}",
            f"  delivery          {delivery}",
            f"  team/app/bot      {info['team_id']} / {info['app_id']} / {info['bot_user_id']} ({info['bot_id']})",
            "  users             " + ", ".join(f"{k}={v}" for k, v in info["users"].items()),
            "  channels          " + ", ".join(f"{k}={v}" for k, v in info["channels"].items()),
            "",
            f"export SLACK_BOT_TOKEN={info['bot_token']}",
            f"export SLACK_APP_TOKEN={info['app_token']}",
            f"export SLACK_SIGNING_SECRET={info['signing_secret']}",
            f"export SLACK_API_URL={info['web_api_url']}",
            f"export SLACK_STANDIN_URL={info['base_url']}",
        ]
        print("\n".join(lines))
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        slack.stop()
    return 0


def _client(args: argparse.Namespace) -> ControlClient:
    return ControlClient(args.url)


def _print(result: Any) -> int:
    print(json.dumps(result, indent=2))
    return 0 if isinstance(result, dict) and result.get("ok") else 1


def _files(args: argparse.Namespace) -> list[dict[str, Any]]:
    """--file PATH (uploaded as is) and --snippet PATH (shared as a snippet) as the control API's `files`."""
    out: list[dict[str, Any]] = []
    for path, snippet in [(p, False) for p in args.file or []] + [(p, True) for p in args.snippet or []]:
        data = Path(path).read_bytes()
        out.append({"name": Path(path).name, "content_b64": base64.b64encode(data).decode(), "snippet": snippet})
    return out


def _say(args: argparse.Namespace) -> int:
    body = {"channel": args.channel, "text": args.text, "user": args.user, "thread_ts": args.thread_ts}
    body["files"] = _files(args)
    result = _client(args).request("say", body)
    if result.get("ok") and not args.verbose:
        print(result["message"]["ts"])
        return 0
    return _print(result)


def _dm(args: argparse.Namespace) -> int:
    body = {"text": args.text, "user": args.user, "thread_ts": args.thread_ts, "files": _files(args)}
    result = _client(args).request("dm", body)
    if result.get("ok") and not args.verbose:
        print(f"{result['message']['channel']} {result['message']['ts']}")
        return 0
    return _print(result)


def _react(args: argparse.Namespace) -> int:
    body = {"channel": args.channel, "ts": args.ts, "name": args.name, "user": args.user, "remove": args.remove}
    return _print(_client(args).request("react", body))


def _feedback(args: argparse.Namespace) -> int:
    body = {"channel": args.channel, "ts": args.ts, "vote": args.vote, "user": args.user}
    return _print(_client(args).request("feedback", body))


def _refuse(args: argparse.Namespace) -> int:
    body = {"method": args.method, "error": args.error, "allow": args.allow}
    return _print(_client(args).request("refuse", body))


def _command(args: argparse.Namespace) -> int:
    body = {"command": args.command, "text": " ".join(args.text), "channel": args.channel, "user": args.user}
    return _print(_client(args).request("command", body))


def _thread(args: argparse.Namespace) -> int:
    result = _client(args).request("messages", query={"channel": args.channel, "thread_ts": args.ts})
    if not result.get("ok"):
        return _print(result)
    for msg in result["messages"]:
        who = "bot" if msg.get("bot_id") else msg.get("user")
        edits = len(msg.get("versions", [])) - 1
        suffix = f"  (edited {edits}x)" if edits else ""
        print(f"{msg['ts']}  {who}: {msg.get('text', '')}{suffix}")
    return 0


def _info(args: argparse.Namespace) -> int:
    return _print(_client(args).request("info"))


def _fault(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"kind": args.kind, "count": args.count}
    if args.method:
        body["method"] = args.method
    if args.retry_after is not None:
        body["retry_after"] = args.retry_after
    if args.status is not None:
        body["status"] = args.status
    if args.signature:
        body["signature"] = args.signature
    if args.reason:
        body["reason"] = args.reason
    return _print(_client(args).request("fault", body))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slack-standin", description="A local stand-in for Slack.")
    sub = parser.add_subparsers(dest="cmd", required=True)

    serve = sub.add_parser("serve", help="run the stand-in until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3001)
    serve.add_argument("--request-url", help="deliver events over signed HTTP to this URL instead of Socket Mode")
    serve.add_argument("--bot-token")
    serve.add_argument("--app-token")
    serve.add_argument("--signing-secret")
    serve.add_argument("--ack-timeout", type=float, default=3.0)
    serve.add_argument("--json", action="store_true", help="print the connection details as JSON")
    serve.set_defaults(func=_serve)

    def client_parser(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument(
            "--url",
            default=os.environ.get("SLACK_STANDIN_URL", DEFAULT_URL),
            help="the stand-in's base URL (env SLACK_STANDIN_URL)",
        )
        return p

    say = client_parser("say", "post a message as a person (prints its ts)")
    say.add_argument("--channel", default="general")
    say.add_argument("--user", default="alice")
    say.add_argument("--thread-ts")
    say.add_argument("-v", "--verbose", action="store_true")
    say.add_argument("--file", action="append", help="attach this file (repeatable)")
    say.add_argument("--snippet", action="append", help="attach this file as a snippet (repeatable)")
    say.add_argument("text")
    say.set_defaults(func=_say)

    dm = client_parser("dm", "write to the bot in a DM")
    dm.add_argument("--user", default="alice")
    dm.add_argument("--thread-ts")
    dm.add_argument("-v", "--verbose", action="store_true")
    dm.add_argument("--file", action="append", help="attach this file (repeatable)")
    dm.add_argument("--snippet", action="append", help="attach this file as a snippet (repeatable)")
    dm.add_argument("text")
    dm.set_defaults(func=_dm)

    react = client_parser("react", "add (or --remove) a reaction as a person")
    react.add_argument("--channel", default="general")
    react.add_argument("--ts", required=True)
    react.add_argument("--name", required=True)
    react.add_argument("--user", default="alice")
    react.add_argument("--remove", action="store_true")
    react.set_defaults(func=_react)

    feedback = client_parser("feedback", "click the 👍 (up) or 👎 (down) feedback button of a message as a person")
    feedback.add_argument("--channel", default="general")
    feedback.add_argument("--ts", required=True)
    feedback.add_argument("--user", default="alice")
    feedback.add_argument("vote", choices=["up", "down"])
    feedback.set_defaults(func=_feedback)

    command = client_parser("command", "run a slash command as a person")
    command.add_argument("--channel", default="general")
    command.add_argument("--user", default="alice")
    command.add_argument("command")
    command.add_argument("text", nargs="*")
    command.set_defaults(func=_command)

    thread = client_parser("thread", "print a thread (parent and replies, with edit counts)")
    thread.add_argument("--channel", default="general")
    thread.add_argument("--ts", required=True)
    thread.set_defaults(func=_thread)

    info = client_parser("info", "print URLs, tokens, users and channels")
    info.set_defaults(func=_info)

    fault = client_parser("fault", "inject a fault")
    fault.add_argument("kind", choices=["rate_limit", "server_error", "signature", "disconnect", "clear"])
    fault.add_argument("--method")
    fault.add_argument("--count", type=int, default=1)
    fault.add_argument("--retry-after", type=int)
    fault.add_argument("--status", type=int)
    fault.add_argument("--signature", choices=["forged", "stale"])
    fault.add_argument("--reason")
    fault.set_defaults(func=_fault)

    refuse = client_parser("refuse", "make the workspace refuse a Web API method (or --allow it again)")
    refuse.add_argument("method", help="e.g. chat.startStream")
    refuse.add_argument("--error", default="not_allowed", help="the Slack error it answers (default not_allowed)")
    refuse.add_argument("--allow", action="store_true", help="serve the method again")
    refuse.set_defaults(func=_refuse)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
