#!/bin/sh
# One image, several roles: the first argument names the role, anything after it is passed on.
#
#   bot            answerloop bot                         Slack bot, Socket Mode (SLACK_BOT_TOKEN, SLACK_APP_TOKEN)
#   bot-http       answerloop bot --http --port 3000      Slack bot, signed HTTP events at /slack/events
#   worker         answerloop worker --queues answer,ingest
#   worker-retune  answerloop worker --queues retune --concurrency 1
#   beat           answerloop beat                        Celery beat: run exactly one
#   migrate        answerloop db upgrade                  one-shot, before the other roles start
#   healthcheck    exit 0 unless ANSWERLOOP_METRICS_PORT is set and its /metrics does not answer
#   -…             answerloop -…                          (e.g. `--help`)
#   anything else  exec'd as is                           (e.g. `answerloop kb ingest /docs -c eng`, `bash`)
#
# Pass --concurrency N to the worker roles: Celery's default (one pool process per CPU the kernel reports)
# counts the node's cores, not the container's CPU limit, and each pool process holds ~0.5 GB.
set -eu

role="${1:-bot}"
if [ "$#" -gt 0 ]; then
    shift
fi

case "$role" in
    bot)
        exec answerloop bot "$@"
        ;;
    bot-http)
        exec answerloop bot --http --port "${ANSWERLOOP_SLACK_HTTP_PORT:-3000}" "$@"
        ;;
    worker)
        exec answerloop worker --queues answer,ingest "$@"
        ;;
    worker-retune)
        exec answerloop worker --queues retune --concurrency 1 "$@"
        ;;
    beat)
        exec answerloop beat "$@"
        ;;
    migrate)
        exec answerloop db upgrade "$@"
        ;;
    healthcheck)
        # Roles without a metrics server (beat, migrate, one-off commands) have nothing to check.
        if [ -z "${ANSWERLOOP_METRICS_PORT:-}" ]; then
            exit 0
        fi
        exec python - "$ANSWERLOOP_METRICS_PORT" <<'PY'
import sys
import urllib.request

try:
    with urllib.request.urlopen(f"http://127.0.0.1:{int(sys.argv[1])}/metrics", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # refused, timed out, HTTP error: unhealthy
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)
PY
        ;;
    -*)
        exec answerloop "$role" "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
