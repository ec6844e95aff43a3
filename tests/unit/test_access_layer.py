"""Who may see what is enforced in one data layer (issue J): a structural check of the source, no database.

Every SQL read of a table derived from a collection or a workspace — documents, chunks and their terms and
sentences, verified answers, labels, interactions (stats, gaps, suggested prompts, review samples are read from
these), prompt versions and their pointer, history, reviews and reports — lives in one of the modules below, and
every such statement names what scopes it: the workspace (`team_id`), the collections (`collection…`, the names
`workers.access.scope_for` or a workspace-scoped admin command produced), or the ids of rows a scoped read handed
out. A new module that reads these tables directly, or a statement in an allowed module that names none of
these, fails here: route it through the data layer (see SECURITY.md, "Enforced in one place")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("workers", "feedback", "bot", "cli")
SCOPED_TABLES = (
    "documents|chunks|chunk_terms|chunk_sentences|verified_answers|document_feedback|collection_stats|"
    "collection_terms|collection_calibration|labels|interactions|prompt_versions|prompt_pointer|"
    "prompt_activations|prompt_reviews|eval_reports|question_vectors"
)
READS = re.compile(rf"\b(?:FROM|JOIN)\s+(?:{SCOPED_TABLES})\b", re.IGNORECASE)
# What a statement may be scoped by: the workspace, collection names, or ids a scoped read handed out (a chunk
# id from retrieval over the asker's collections, a document id of one collection, a Slack request's interaction
# (keyed by team, channel and ts), a label or version id checked against the workspace by the caller).
SCOPE_KEYS = re.compile(
    r"team_id|\bcollections?\b|\b(?:chunk_id|document_id|interaction_id|label_id|version_id)\b|\bid\s*=\s*(?:ANY|%)"
    r"|\{[^}]*(?:scope|team)[^}]*\}",  # an f-string hole that inserts the scope's condition
    re.IGNORECASE,
)
# Reads that need no scope, each with why.
UNSCOPED_OK = {
    ("workers/kb/store.py", "SELECT count(*) AS n FROM chunks"): "a count of the whole install, no content (unused)",
    (
        "workers/retention.py",
        "SELECT DISTINCT f->>'source_interaction_id' AS id FROM prompt_versions v, jsonb_array_elements(v.few_shot) f "
        "WHERE jsonb_typeof(v.few_shot) = 'array' AND f->>'source_interaction_id' IS NOT NULL",
    ): "ids of the interactions any version's demos came from: what the purge must keep, in every scope",
}

# The data layer: module → what scopes its reads. Anything else reading those tables fails the test.
DATA_LAYER = {
    "workers/access.py": "collections of the asker's workspace (the one access check)",
    "workers/retrieval.py": "collections from scope_for; chunk ids it found in them",
    "workers/search/keyword.py": "collections from scope_for; document/chunk ids of one collection",
    "workers/kb/store.py": "one named collection (ingest, list, remove); ids of its documents",
    "workers/kb/verified.py": "a label's collection; the label's own id",
    "workers/kb/sources.py": "the one collection a source feeds",
    "workers/kb/embedder_check.py": "collections from scope_for (which models embedded them; counts, no content)",
    "workers/answerability/calibration.py": "one collection's statistics",
    "workers/answerability/gate.py": "one collection's statistics",
    "workers/slack/store.py": "Slack requests keyed by (team, channel, ts) and their interactions",
    "workers/interactions.py": "the interaction just answered; the workspace ids that have any (admin --team)",
    "workers/slack/installations.py": "one workspace's installation and prompt history",
    "feedback/labels.py": "team_id of the admin's workspace; a vote's own interaction",
    "feedback/stats.py": "team_id of the admin's workspace",
    "feedback/gaps.py": "team_id of the admin's workspace",
    "feedback/examples.py": "team_id of the retuned workspace",
    "feedback/demos.py": "team_id of the retuned workspace",
    "feedback/retune.py": "team_id of the retuned workspace",
    "feedback/retune_candidates.py": "team_id of the retuned workspace",
    "feedback/answerability_refit.py": "team_id of the retuned workspace",
    "feedback/document_weights.py": "documents cited by votes on answers from their own collections",
    "feedback/prompt_versions.py": "the prompt scope (a workspace, or the default scope)",
    "feedback/reports.py": "the prompt scope",
    "feedback/audit.py": "team_id of the admin's workspace",
    "bot/agent_dm.py": "team_id and the collections scope_for gives the asker's DM",
    "bot/app_home.py": "the label id of a button, checked against the admin's team_id",
    "cli/kb_cmd.py": "an ingest job's own files (operator command)",
    "workers/retention.py": "interactions, gaps digests and eval reports older than the cut, of one workspace "
    "(--team) or all (operator purge)",
    "cli/demo_tour.py": "the demo's own Slack request (local demo)",
    "cli/demo_actions.py": "the demo's own interaction (local demo)",
}


def _sql_strings(path: Path) -> list[tuple[int, str]]:
    """Every string of a module as a query would see it, with its line: literals, f-strings (a hole is shown as
    `{expression}`) and `+` concatenations of them and of the module's string constants, folded into one."""
    tree = ast.parse(path.read_text(), filename=str(path))
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            text = _fold(node.value, constants)
            if text is not None:
                constants[node.targets[0].id] = text
    out: list[tuple[int, str]] = []
    inside: set[int] = set()  # parts of a string already reported whole
    for node in ast.walk(tree):
        if id(node) in inside or not isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp):
            continue
        text = _fold(node, constants)
        if text is None:
            continue
        out.append((node.lineno, text))
        inside.update(id(part) for part in ast.walk(node))
    return out


def _fold(node: ast.AST, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
            for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _fold(node.left, constants), _fold(node.right, constants)
        return None if left is None or right is None else left + right
    return None


def _reads() -> dict[str, list[tuple[int, str]]]:
    found: dict[str, list[tuple[int, str]]] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            hits = [(line, s) for line, s in _sql_strings(path) if READS.search(s)]
            if hits:
                found[str(path.relative_to(REPO))] = hits
    return found


def test_only_the_data_layer_reads_collection_and_workspace_tables():
    outside = {module: [line for line, _ in hits] for module, hits in _reads().items() if module not in DATA_LAYER}
    assert not outside, (
        f"these modules read scoped tables directly (module: lines): {outside}. Read through the data layer "
        "(workers.access.scope_for for collections, a feedback function taking the workspace for admin reads), "
        "or — if the module is a data-layer module — add it to DATA_LAYER with what scopes its reads."
    )


def test_every_read_in_the_data_layer_names_its_scope():
    unscoped = [
        f"{module}:{line}: {' '.join(sql.split())[:100]}"
        for module, hits in _reads().items()
        for line, sql in hits
        if not SCOPE_KEYS.search(sql) and not _is_prose(sql) and (module, sql.strip()) not in UNSCOPED_OK
    ]
    assert not unscoped, "reads that name no workspace, collection or scoped id:\n" + "\n".join(unscoped)


def _is_prose(text: str) -> bool:
    """A docstring or message that happens to say "from labels", not SQL."""
    return not re.search(r"\bSELECT\b|\bDELETE\b|\bUPDATE\b|\bWITH\b", text)


def test_the_check_catches_a_direct_read(tmp_path):
    """The scanner itself: an unscoped read is found, a scoped one passes, prose is not SQL."""
    module = tmp_path / "leaky.py"
    module.write_text(
        'LEAK = "SELECT question_redacted FROM interactions ORDER BY created_at DESC"\n'
        'OK = f"SELECT * FROM labels WHERE {in_scope} AND id = %s"\n'
        'DOC = """Votes come from labels of the workspace."""\n'
        '_PART = " FROM interactions i"\n'
        'JOINED = "SELECT count(*)" + _PART + " WHERE i.created_at > now()"\n'
    )
    strings = [s for _, s in _sql_strings(module) if READS.search(s)]
    assert len(strings) == 5, strings  # the three, the fragment, and the concatenation folded whole
    flagged = [s for s in strings if not SCOPE_KEYS.search(s) and not _is_prose(s)]
    assert flagged == [
        "SELECT question_redacted FROM interactions ORDER BY created_at DESC",
        "SELECT count(*) FROM interactions i WHERE i.created_at > now()",
    ]


def test_every_data_layer_entry_still_exists_or_is_a_known_work_in_progress():
    """A stale entry would let a new module of the same name in without review."""
    missing = [m for m in DATA_LAYER if not (REPO / m).exists()]
    assert set(missing) <= {"cli/demo_tour.py", "cli/demo_actions.py"}, missing
