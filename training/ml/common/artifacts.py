"""Artifact folders: a versioned ``meta.json`` plus atomic publication of the folder.

Every artifact carries ``kind`` (which package wrote it) and an integer ``format_version``;
a loader names the versions it understands and refuses anything else.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from training.ml.common.errors import ArtifactError

META_FILENAME = "meta.json"


def utc_now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def sha256_of_records(records: Iterable[Iterable[str]]) -> str:
    """Order-independent SHA-256 of string records (e.g. (text, label) pairs)."""
    lines = sorted(json.dumps(list(record), ensure_ascii=False) for record in records)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def write_meta(folder: str | os.PathLike[str], meta: dict[str, Any], *, kind: str, format_version: int) -> Path:
    path = Path(folder) / META_FILENAME
    payload = {"kind": kind, "format_version": format_version} | meta
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_meta(
    folder: str | os.PathLike[str],
    *,
    kind: str,
    supported_versions: Iterable[int],
    required_keys: Iterable[str] = (),
) -> dict[str, Any]:
    """Read and check ``meta.json``; every problem is an ArtifactError naming the folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ArtifactError(f"artifact folder {folder} does not exist")
    path = folder / META_FILENAME
    if not path.is_file():
        raise ArtifactError(f"{path} is missing: {folder} is not a trained artifact (or it is incomplete)")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{path} is unreadable or not valid JSON: {exc}") from exc
    if not isinstance(meta, dict):
        raise ArtifactError(f"{path} must hold a JSON object")
    if meta.get("kind") != kind:
        raise ArtifactError(f"{folder} holds a {meta.get('kind')!r} artifact, expected {kind!r}")
    version = meta.get("format_version")
    supported = sorted(set(supported_versions))
    if not isinstance(version, int) or isinstance(version, bool) or version not in supported:
        raise ArtifactError(
            f"{folder} has format_version {version!r}; this code reads format version(s) {supported}. "
            "Retrain the model or upgrade the code."
        )
    missing = [key for key in required_keys if key not in meta]
    if missing:
        raise ArtifactError(f"{path} lacks required key(s): {', '.join(missing)}")
    return meta


def ensure_empty_folder(folder: str | os.PathLike[str]) -> None:
    """Raise ArtifactError unless ``folder`` is absent or an empty directory."""
    path = Path(folder)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise ArtifactError(f"output folder {path} already exists and is not empty")


@contextmanager
def staged_folder(final_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a scratch folder next to ``final_dir``; move it into place only on success.

    A crashed or cancelled run therefore never leaves a half-written artifact behind.
    ``final_dir`` must not exist or be empty.
    """
    final = Path(final_dir)
    ensure_empty_folder(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
    scratch.chmod(0o755)  # mkdtemp makes it private; serving processes may run as another user
    try:
        yield scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    if final.exists():
        final.rmdir()
    os.replace(scratch, final)
