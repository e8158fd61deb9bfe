"""Retriever: load an index artifact and answer queries with the best passage per article."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.ml.common.artifacts import ArtifactError
from training.ml.retrieval.artifact import ENTRIES_FILE, INDEX_FILE, PASSAGES_FILE, read_artifact_meta
from training.ml.retrieval.data import Passage
from training.ml.retrieval.encoder import embedding_dimension, encode, load_encoder
from training.ml.retrieval.errors import RetrievalDataError
from training.ml.retrieval.index import set_ef_search

# Calibrated on the demo knowledge base by bench/retrieval/demo_floor.py (bench/RESULTS-retrieval.md):
# below this cosine similarity the best hit is more likely an off-topic match than an answer.
DEFAULT_MIN_SCORE = 0.33
# Weight of the (mean of the) recent customer turns added to the query vector; see the
# multi-turn check in bench/RESULTS-retrieval.md.
DEFAULT_HISTORY_WEIGHT = 0.5
DEFAULT_HISTORY_TURNS = 2


@dataclass(frozen=True)
class Hit:
    article_id: str
    title: str
    url: str
    passage: str
    score: float  # ranking score: similarity (+ intent boost when one was applied)
    passage_id: int
    similarity: float  # cosine similarity of the query and the best entry of the article, no boost


def relevant(hits: Sequence[Hit], min_score: float = DEFAULT_MIN_SCORE) -> list[Hit]:
    """Hits whose similarity reaches ``min_score``; an empty list means: hand off to a person."""
    return [h for h in hits if h.similarity >= min_score]


def combine_query_vectors(query_vector: Any, history_vectors: Any, history_weight: float) -> Any:
    """normalise(query + history_weight * mean(history)) as a (1, d) float32 array."""
    import numpy as np

    q = np.asarray(query_vector, dtype="float32").reshape(-1)
    if len(history_vectors) and history_weight > 0:
        q = q + history_weight * np.asarray(history_vectors, dtype="float32").mean(axis=0)
        q = q / max(float(np.linalg.norm(q)), 1e-12)
    return np.ascontiguousarray(q.reshape(1, -1), dtype="float32")


class Retriever:
    def __init__(self, index: Any, passages: list[Passage], entries: list[dict[str, Any]],
                 article_intents: dict[str, tuple[str, ...]], meta: dict[str, Any], encoder: Any) -> None:
        self.index = index
        self.passages = passages
        self.entries = entries
        self.article_intents = article_intents
        self.meta = meta
        self.encoder = encoder
        self._entries_of: dict[str, list[int]] = {}
        for row, e in enumerate(entries):
            self._entries_of.setdefault(e["article_id"], []).append(row)

    @property
    def index_type(self) -> str:
        return self.meta["index_type"]

    @classmethod
    def load(cls, path: str | Path, *, model: str | None = None, device: str = "cpu",
             ef_search: int | None = None) -> Retriever:
        """``model`` overrides the model recorded in meta.json (e.g. the same model in another folder)."""
        import faiss

        folder = Path(path)
        meta = read_artifact_meta(folder)
        try:
            index = faiss.read_index(str(folder / INDEX_FILE))
            passages = [Passage(**json.loads(x)) for x in (folder / PASSAGES_FILE).read_text(encoding="utf-8").splitlines() if x.strip()]
            entries = [json.loads(x) for x in (folder / ENTRIES_FILE).read_text(encoding="utf-8").splitlines() if x.strip()]
            intents: dict[str, tuple[str, ...]] = {}
            articles_file = folder / "articles.jsonl"
            if articles_file.is_file():
                for line in articles_file.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        row = json.loads(line)
                        intents[row["id"]] = tuple(row.get("intents") or ())
        except (OSError, RuntimeError, json.JSONDecodeError, TypeError, KeyError) as exc:
            raise ArtifactError(f"cannot read retrieval index {folder}: {exc}") from exc
        if index.ntotal != len(entries) or index.d != meta["dimension"]:
            raise ArtifactError(
                f"{folder} is inconsistent: index has {index.ntotal} vectors of dimension {index.d}, "
                f"entries.jsonl {len(entries)} rows, meta.json dimension {meta['dimension']}"
            )
        if any(not 0 <= e["passage_id"] < len(passages) for e in entries):
            raise ArtifactError(f"{folder}/entries.jsonl points to passages that do not exist")
        encoder = load_encoder(model or meta["model"], device)
        if embedding_dimension(encoder) != meta["dimension"]:
            raise ArtifactError(
                f"model {model or meta['model']!r} embeds in {embedding_dimension(encoder)} dimensions, "
                f"the index in {meta['dimension']}"
            )
        set_ef_search(index, ef_search or meta["config"].get("hnsw_ef_search", 128))
        return cls(index, passages, entries, intents, meta, encoder)

    def embed_query(self, query: str, history: Sequence[str] | None = None, *,
                    history_weight: float = DEFAULT_HISTORY_WEIGHT, history_turns: int = DEFAULT_HISTORY_TURNS) -> Any:
        turns = [t for t in (history or []) if t and t.strip()][-history_turns:] if history_turns > 0 else []
        vectors = encode(self.encoder, [query, *turns])
        return combine_query_vectors(vectors[0], vectors[1:], history_weight)

    def search(self, query: str, *, history: list[str] | None = None, k: int = 5, intent: str | None = None,
               intent_boost: float = 0.0, history_weight: float = DEFAULT_HISTORY_WEIGHT,
               history_turns: int = DEFAULT_HISTORY_TURNS) -> list[Hit]:
        """Best passage of each of the ``k`` best articles, ranking score descending.

        ``history``: earlier customer turns, oldest first; the last ``history_turns`` are mixed into
        the query vector with ``history_weight``. ``intent`` + ``intent_boost`` > 0: articles tagged
        with that intent get ``intent_boost`` added to their ranking score (not to ``similarity``).
        """
        if not isinstance(query, str) or not query.strip():
            raise RetrievalDataError("the query is empty")
        if k < 1:
            raise RetrievalDataError(f"k must be >= 1, not {k}")
        q = self.embed_query(query, history, history_weight=history_weight, history_turns=history_turns)
        return self.search_vector(q, k=k, intent=intent, intent_boost=intent_boost)

    def search_vector(self, q: Any, *, k: int = 5, intent: str | None = None, intent_boost: float = 0.0) -> list[Hit]:
        import numpy as np

        total = self.index.ntotal
        fetch = min(total, max(64, 16 * k))
        while True:
            scores, rows = self.index.search(q, fetch)
            best: dict[str, tuple[float, int, bool]] = {}  # article -> (similarity, row, is_passage)
            for score, row in zip(scores[0], rows[0]):
                if row < 0:
                    continue
                aid = self.entries[row]["article_id"]
                if aid not in best or score > best[aid][0]:
                    best[aid] = (float(score), int(row), self.entries[row]["source"] == "passage")
            if len(best) >= k or fetch >= total:
                break
            fetch = min(total, fetch * 4)
        if intent and intent_boost:
            for aid, tags in self.article_intents.items():
                if intent in tags and aid not in best and aid in self._entries_of:
                    rows_ = self._entries_of[aid]
                    vecs = np.vstack([self.index.reconstruct(r) for r in rows_])
                    sims = vecs @ q[0]
                    j = int(np.argmax(sims))
                    best[aid] = (float(sims[j]), rows_[j], self.entries[rows_[j]]["source"] == "passage")
        ranked = []
        for aid, (sim, row, _is_passage) in best.items():
            boost = intent_boost if intent and intent in self.article_intents.get(aid, ()) else 0.0
            ranked.append((sim + boost, sim, aid, row))
        ranked.sort(key=lambda t: (-t[0], t[2]))
        hits = []
        for score, sim, aid, row in ranked[:k]:
            if self.entries[row]["source"] != "passage":  # matched an extra key: show the best passage
                rows_ = [r for r in self._entries_of[aid] if self.entries[r]["source"] == "passage"]
                if rows_:
                    sims = np.vstack([self.index.reconstruct(r) for r in rows_]) @ q[0]
                    row = rows_[int(np.argmax(sims))]
            p = self.passages[self.entries[row]["passage_id"]]
            hits.append(Hit(aid, p.title, p.url, p.text, round(score, 6), p.passage_id, round(sim, 6)))
        return hits
