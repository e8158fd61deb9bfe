"""Retriever: load an index artifact and answer queries with the best passage per article.

Hybrid when the index has a lexical part (format 2): each article's cosine similarity (best entry) and
saturated BM25 score (best entry + weighted title field) are fused (fusion.py) with the weights the
index was built with (meta.json "config"); the recent customer turns join both the query vector and
the lexical query.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.ml.common.artifacts import ArtifactError
from training.ml.retrieval.artifact import ENTRIES_FILE, INDEX_FILE, PASSAGES_FILE, read_artifact_meta
from training.ml.retrieval.config import RetrievalConfig
from training.ml.retrieval.data import Passage
from training.ml.retrieval.encoder import embedding_dimension, encode, load_encoder
from training.ml.retrieval.errors import RetrievalDataError
from training.ml.retrieval.fusion import fuse
from training.ml.retrieval.index import set_ef_search
from training.ml.retrieval.lexical import LexicalIndex, saturate

# Calibrated on the demo knowledge base by bench/retrieval/demo_floor.py (bench/RESULTS-retrieval.md):
# below this cosine similarity the best hit is more likely an off-topic match than an answer.
DEFAULT_MIN_SCORE = 0.33
# Weight of the (mean of the) recent customer turns added to the query vector; see the
# multi-turn check in bench/RESULTS-retrieval.md.
DEFAULT_HISTORY_WEIGHT = 0.5
DEFAULT_HISTORY_TURNS = 2
# Up to this many vectors every entry is scored (exact, and cheap), so every article has a dense score to fuse.
EXACT_FETCH_LIMIT = 20_000


@dataclass(frozen=True)
class Hit:
    article_id: str
    title: str
    url: str
    passage: str
    score: float  # ranking score: the fused score (+ intent boost when one was applied)
    passage_id: int
    similarity: float  # cosine similarity of the query and the best entry of the article, no boost
    lexical: float = 0.0  # saturated BM25 of the article in [0, 1); 0 without a lexical index
    # (1 - w) x similarity + w x lexical, no boost: what relevance floors read. None: equal to similarity
    # (an index without a lexical part).
    relevance: float | None = None

    def __post_init__(self) -> None:
        if self.relevance is None:
            object.__setattr__(self, "relevance", self.similarity)


def relevant(hits: Sequence[Hit], min_score: float = DEFAULT_MIN_SCORE) -> list[Hit]:
    """Hits whose relevance reaches ``min_score``; an empty list means: hand off to a person."""
    return [h for h in hits if h.relevance >= min_score]


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
                 article_intents: dict[str, tuple[str, ...]], meta: dict[str, Any], encoder: Any,
                 lexical: LexicalIndex | None = None) -> None:
        self.index = index
        self.passages = passages
        self.entries = entries
        self.article_intents = article_intents
        self.meta = meta
        self.encoder = encoder
        self.lexical = lexical
        defaults = RetrievalConfig()
        self.fusion = {name: meta["config"].get(name, getattr(defaults, name))
                       for name in ("fusion", "lexical_weight", "title_weight", "lexical_saturation", "rrf_k")}
        self._entry_articles = [e["article_id"] for e in entries]
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
        try:
            # Format 1 indexes (and any built with lexical=False) have no lexical part: dense-only search.
            lexical = (LexicalIndex.load(folder, article_ids=list(intents), n_entries=len(entries))
                       if meta.get("lexical") else None)
        except (OSError, ValueError, json.JSONDecodeError, KeyError) as exc:
            raise ArtifactError(f"cannot read the lexical part of retrieval index {folder}: {exc}") from exc
        encoder = load_encoder(model or meta["model"], device)
        if embedding_dimension(encoder) != meta["dimension"]:
            raise ArtifactError(
                f"model {model or meta['model']!r} embeds in {embedding_dimension(encoder)} dimensions, "
                f"the index in {meta['dimension']}"
            )
        set_ef_search(index, ef_search or meta["config"].get("hnsw_ef_search", 128))
        return cls(index, passages, entries, intents, meta, encoder, lexical)

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
        the query vector (and the lexical query) with ``history_weight``. ``intent`` + ``intent_boost``
        > 0: articles tagged with that intent get ``intent_boost`` added to their ranking score (not to
        ``similarity`` or ``relevance``).
        """
        if not isinstance(query, str) or not query.strip():
            raise RetrievalDataError("the query is empty")
        if k < 1:
            raise RetrievalDataError(f"k must be >= 1, not {k}")
        turns = [t for t in (history or []) if t and t.strip()][-history_turns:] if history_turns > 0 else []
        q = self.embed_query(query, turns, history_weight=history_weight, history_turns=history_turns)
        return self.search_vector(q, k=k, intent=intent, intent_boost=intent_boost, text=query, history=turns,
                                  history_weight=history_weight)

    def search_vector(self, q: Any, *, k: int = 5, intent: str | None = None, intent_boost: float = 0.0,
                      text: str | None = None, history: Sequence[str] = (),
                      history_weight: float = DEFAULT_HISTORY_WEIGHT) -> list[Hit]:
        """As ``search`` from a query vector; ``text`` (and ``history``, the recent turns already cut)
        add the lexical scores when the index has them; without ``text`` the search is dense-only."""
        dense = self._dense_articles(q, k)
        lexical: dict[str, float] = {}
        rows_lexical = None
        hybrid = self.lexical is not None and bool(text and text.strip())
        if hybrid:
            raw, rows_lexical = self.lexical.scores(
                text, history, self._entry_articles, title_weight=self.fusion["title_weight"], history_weight=history_weight)
            lexical = {aid: saturate(s, self.fusion["lexical_saturation"]) for aid, s in raw.items()}
            for aid in sorted(lexical, key=lambda a: -lexical[a])[: max(4 * k, 20)]:
                dense.setdefault(aid, self._dense_of(aid, q))
        if intent and intent_boost:
            for aid, tags in self.article_intents.items():
                if intent in tags and aid not in dense and aid in self._entries_of:
                    dense[aid] = self._dense_of(aid, q)
        weight = self.fusion["lexical_weight"] if hybrid else 0.0
        fused = fuse({aid: sim for aid, (sim, _row) in dense.items()}, lexical, weight=weight,
                     mode=self.fusion["fusion"] if hybrid else "weighted", rrf_k=self.fusion["rrf_k"])
        ranked = []
        for aid, (rank_score, relevance) in fused.items():
            boost = intent_boost if intent and intent in self.article_intents.get(aid, ()) else 0.0
            ranked.append((rank_score + boost, aid, relevance))
        ranked.sort(key=lambda t: (-t[0], t[1]))
        hits = []
        for score, aid, relevance in ranked[:k]:
            sim, row = dense[aid]
            if self.entries[row]["source"] != "passage" or rows_lexical is not None:
                row = self._best_passage_row(aid, q, rows_lexical, weight) or row
            p = self.passages[self.entries[row]["passage_id"]]
            hits.append(Hit(aid, p.title, p.url, p.text, round(score, 6), p.passage_id, round(sim, 6),
                            lexical=round(lexical.get(aid, 0.0), 6), relevance=round(relevance, 6)))
        return hits

    def _dense_articles(self, q: Any, k: int) -> dict[str, tuple[float, int]]:
        """article -> (best cosine similarity over its entries, that entry's row), for the nearest entries."""
        total = self.index.ntotal
        fetch = total if total <= EXACT_FETCH_LIMIT else min(total, max(64, 16 * k))
        while True:
            scores, rows = self.index.search(q, fetch)
            best: dict[str, tuple[float, int]] = {}
            for score, row in zip(scores[0], rows[0]):
                if row < 0:
                    continue
                aid = self.entries[row]["article_id"]
                if aid not in best or score > best[aid][0]:
                    best[aid] = (float(score), int(row))
            if len(best) >= k or fetch >= total:
                return best
            fetch = min(total, fetch * 4)

    def _dense_of(self, aid: str, q: Any) -> tuple[float, int]:
        import numpy as np

        rows = self._entries_of[aid]
        sims = np.vstack([self.index.reconstruct(r) for r in rows]) @ q[0]
        j = int(np.argmax(sims))
        return float(sims[j]), rows[j]

    def _best_passage_row(self, aid: str, q: Any, rows_lexical: Any, weight: float) -> int | None:
        """The article's passage with the best weighted dense + lexical score (dense alone without lexical)."""
        import numpy as np

        rows = [r for r in self._entries_of[aid] if self.entries[r]["source"] == "passage"]
        if not rows:
            return None
        score = np.vstack([self.index.reconstruct(r) for r in rows]) @ q[0]
        if rows_lexical is not None and weight:
            sat = self.fusion["lexical_saturation"]
            lex = np.asarray([saturate(float(rows_lexical[r]), sat) for r in rows])
            score = (1 - weight) * score + weight * lex
        return rows[int(np.argmax(score))]
