"""All configuration in one place (environment variables and `.env`), via pydantic-settings."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    # As root, the embedded Postgres runs as a dedicated system user and loosens the permissions of
    # the data directory's parent folders; keep it out of /root.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/answerloop")
    return Path.home() / ".local" / "share" / "answerloop"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANSWERLOOP_", env_file=".env", extra="ignore")

    # Postgres. Empty → an embedded Postgres (with pgvector) is started in `home`/pgdata.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    home: Path = Field(default_factory=_default_home)
    db_pool_max: int = 8
    # How long to wait for a Postgres connection before giving up with a clear error (the bot then tells the
    # user at once instead of leaving them with no reply).
    db_timeout_s: float = 5.0

    # Embeddings: none (full-text only) | local (sentence-transformers, offline) | local-int8 (the same model,
    # Linear layers dynamically quantized to int8) | openai (HTTP endpoint).
    embeddings: Literal["none", "local", "local-int8", "openai"] = "local"
    embeddings_model: str = "text-embedding-3-small"
    embeddings_base_url: str | None = None
    embeddings_api_key: str | None = None
    embeddings_dim: int | None = None
    embeddings_batch: int = 64

    # Answering model through instructor. Empty → offline extractive answerer.
    llm: str | None = None  # e.g. "openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest", "ollama/llama3.2"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_max_retries: int = 2
    llm_timeout_s: float = 60.0
    # One question's whole model time (condensing a follow-up, the answer, its re-asks and retries, the grounding
    # judge): each call gets only what is left as its timeout, a 429 whose Retry-After is longer is not waited
    # for, and a spent budget is the honest "I don't know" of a model failure. Keep it well under 2 minutes:
    # Slack clears the assistant's status after 2 minutes without a message.
    llm_answer_budget_s: float = 45.0
    grounding_judge: bool = False  # extra model-based grounding check when a model is configured
    # Reranking of the fused top passages (workers.search.rerank): sentences | none | cross-encoder:/path | URL.
    reranker: str = "sentences"
    reranker_model: str | None = None
    reranker_api_key: str | None = None

    # Guardrails.
    pii_score_threshold: float = 0.35
    pii_entities: list[str] | None = None  # None → guardrails' default set
    spacy_model: str | None = None  # optional NER model (installed spaCy package name or path)
    pii_require_ner: bool = False  # refuse to start when no NER model is configured (names/places unchecked)
    pii_names: bool = True  # people's names from given-name lists where no NER model runs (guardrails/person_names)
    max_question_chars: int = 4000
    # Text files and snippets attached to a Slack question (workers/attachments.py): read up to this size, at most
    # this many lines of each; their salient terms (at most attachment_max_terms) join the retrieval query.
    attachment_max_bytes: int = 100_000
    attachment_max_lines: int = 2000
    attachment_max_terms: int = 12

    # Knowledge base.
    default_collection: str = "default"
    chunk_max_chars: int = 1200
    chunk_overlap_chars: int = 150
    max_file_bytes: int = 5_000_000

    # Slack. The API base URL is configuration so that a local stand-in can replace Slack.
    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")  # Socket Mode
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")  # HTTP mode
    # Multi-workspace installs (HTTP mode): Slack's OAuth at /slack/install and /slack/oauth_redirect. The bot
    # token of each workspace is kept in Postgres, encrypted with the first of ANSWERLOOP_TOKEN_KEYS (Fernet
    # keys; the others still decrypt, for rotation: `answerloop slack rotate-keys`).
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, validation_alias="SLACK_CLIENT_SECRET")
    slack_oauth_redirect_uri: str | None = None
    slack_oauth_authorize_url: str = "https://slack.com/oauth/v2/authorize"
    # The bot scopes an OAuth install asks for: the manifests' (deploy/slack), which tests/deploy checks.
    slack_bot_scopes: list[str] = [
        "app_mentions:read", "chat:write", "im:history", "im:read", "im:write", "channels:history",
        "groups:history", "reactions:read", "commands", "users:read", "assistant:write",
        "channels:read", "groups:read", "usergroups:read", "files:read",
    ]  # fmt: skip
    token_keys: list[str] = []
    slack_api_url: str = "https://slack.com/api/"
    slack_http_port: int = 3000
    slack_max_retries: int = 5  # per Web API call (429 honouring Retry-After, 5xx, connection errors)
    # Channels with no configuration search these collections (empty → every collection).
    default_collections: list[str] = []
    membership_cache_s: float = 60.0  # how long a channel's / user group's members are trusted
    # Questions taken per minute from one person / one channel (0 = no limit); beyond them a friendly reply.
    rate_limit_user_per_minute: int = 20
    rate_limit_channel_per_minute: int = 60
    fair_queue: bool = True  # a person's further open questions queue behind other people's first ones
    default_reply_mode: Literal["in_channel", "ephemeral"] = "in_channel"
    # Slack's AI-app experience: a thread status (assistant.threads.setStatus) while a question is worked on and
    # the checked answer streamed (chat.startStream); a workspace or API that refuses falls back to the
    # placeholder + chat.update, automatically. False: always the placeholder.
    slack_streaming: bool = True

    # Celery on Redis.
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    visibility_timeout_s: int = 300  # an unacknowledged task is redelivered after this (worker lost)
    answer_task_max_retries: int = 5
    # CPU threads for the local embedding model in each worker pool process. Pool processes already run in
    # parallel (one per core is the usual concurrency), so more threads each only oversubscribe the cores.
    worker_torch_threads: int = 1
    requeue_interval_s: float = 10.0  # how often the bot re-enqueues questions saved while Redis was down
    requeue_max_age_s: float = 3600.0  # older unanswered questions are not re-sent (the asker has moved on)

    # Admins: Slack user ids (U…) that may use the review queue in the App Home tab, and names that admin
    # commands may act as (`--actor`, $ANSWERLOOP_ADMIN or the OS user). Empty: no admin surface in Slack, and
    # admin commands are open to whoever can reach the database.
    admins: list[str] = []

    # Feedback. Reaction names without colons; skin-tone variants count as their base reaction.
    feedback_positive_reactions: list[str] = ["+1", "thumbsup", "white_check_mark", "heavy_check_mark"]
    feedback_negative_reactions: list[str] = ["-1", "thumbsdown", "x"]
    feedback_heldout_percent: int = Field(30, ge=5, le=80)  # share of questions kept for evaluation only
    # Votes count for retuning while current; with this, only once an admin approved them.
    feedback_votes_need_approval: bool = False
    # Retuning (Celery beat on the retune queue, and `answerloop retune`).
    retune_schedule: str = "0 3 * * 1"  # crontab: minute hour day-of-month month day-of-week (Mondays 03:00)
    retune_enabled: bool = True
    retune_auto_promote: bool = True  # False: a better candidate waits for `answerloop prompts approve V`
    retune_margin: float = Field(0.02, ge=0, le=1)  # held-out score gain needed to promote
    retune_min_heldout: int = Field(10, ge=1)  # fewer held-out examples → no decision
    retune_max_demos: int = Field(8, ge=0, le=20)
    # Fewer held-out examples than this (0 = never): a retune's winner starts as a canary on
    # retune_canary_percent of the askers instead of being promoted for everyone (`prompts promote V` ends it).
    retune_canary_below: int = Field(0, ge=0)
    retune_canary_percent: float = Field(10.0, gt=0, lt=100)
    # A winner is promoted for everyone only when its held-out gain is conclusive: the labels it got right that the
    # active version did not outnumber the reverse with a one-sided sign test p ≤ this (1 = any gain passing the
    # gate). Otherwise it starts as a canary, as above (feedback/scoring.py `evidence`).
    retune_promote_p: float = Field(0.1, gt=0, le=1)
    # Weekly coverage-gaps digest (feedback/gaps_digest.py): channel ids, `C…` for the only workspace or a
    # bot-token install, `T…:C…` per workspace; empty: no digest. Posted on this crontab (Mondays 09:00 UTC).
    gaps_channel: list[str] = []
    gaps_digest_schedule: str = "0 9 * * 1"
    # Retention: interactions older than this many days are purged daily (workers/retention.py, the same purge as
    # `answerloop db purge`; labelled ones and few-shot demos' sources are kept). Unset: kept forever.
    retention_days: int | None = Field(None, ge=1, le=36_500)  # beyond a century the cut-off date overflows

    # Observability: Prometheus /metrics on this port (bot and workers each; unset: no endpoint).
    metrics_port: int | None = None
    # Model cost per 1,000 tokens (prompt, completion), for answerloop_model_cost_usd_total.
    llm_cost_per_1k_prompt_tokens: float = 0.0
    llm_cost_per_1k_completion_tokens: float = 0.0

    log_level: str = "WARNING"
    log_json: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
