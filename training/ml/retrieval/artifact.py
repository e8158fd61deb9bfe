"""Layout and ``meta.json`` schema of a retrieval-index artifact folder.

    <artifact>/
      meta.json          kind, format_version, model, dimension, index_type, counts, data_hash, config
      index.faiss        FAISS index; row i is entries.jsonl line i
      passages.jsonl     one passage per line {passage_id, article_id, title, url, position, text}
      entries.jsonl      one indexed vector per line {passage_id, article_id, source: passage|key}
      articles.jsonl     one article per line {id, title, url, intents}
      lexical/           (format 2, when meta.json "lexical" is set) bm25s indexes: body/ (row i = entries.jsonl
                         line i) and title/ (row j = articles.jsonl line j); see lexical.py

Format 1 (before hybrid retrieval) has no lexical part: it still loads and searches dense-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.ml.common.artifacts import ArtifactError, read_meta, write_meta
from training.ml.retrieval.lexical import LEXICAL_DIR

ARTIFACT_KIND = "retrieval-index"
FORMAT_VERSION = 2
SUPPORTED_FORMAT_VERSIONS = (1, 2)
INDEX_FILE = "index.faiss"
PASSAGES_FILE = "passages.jsonl"
ENTRIES_FILE = "entries.jsonl"
REQUIRED_META_KEYS = ("model", "dimension", "index_type", "counts", "data_hash", "config")


def read_artifact_meta(folder: str | Path) -> dict[str, Any]:
    folder = Path(folder)
    meta = read_meta(
        folder, kind=ARTIFACT_KIND, supported_versions=SUPPORTED_FORMAT_VERSIONS, required_keys=REQUIRED_META_KEYS
    )
    missing = [name for name in (INDEX_FILE, PASSAGES_FILE, ENTRIES_FILE) if not (folder / name).is_file()]
    if meta.get("lexical") and not (folder / LEXICAL_DIR).is_dir():
        missing.append(f"{LEXICAL_DIR}/")
    if missing:
        raise ArtifactError(f"{folder} is incomplete: missing {', '.join(missing)}")
    if meta["index_type"] not in ("flat", "hnsw"):
        raise ArtifactError(f"{folder}/meta.json: unknown index_type {meta['index_type']!r}")
    if not isinstance(meta["dimension"], int) or meta["dimension"] < 1:
        raise ArtifactError(f"{folder}/meta.json: 'dimension' must be a positive integer")
    return meta


def write_artifact_meta(folder: Path, meta: dict[str, Any]) -> Path:
    body = {k: v for k, v in meta.items() if k not in ("kind", "format_version")}
    return write_meta(folder, body, kind=ARTIFACT_KIND, format_version=FORMAT_VERSION)
