"""Dense + lexical fusion of per-article scores."""

from __future__ import annotations


def fuse(dense: dict[str, float], lexical: dict[str, float], *, weight: float, mode: str = "weighted",
         rrf_k: int = 60) -> dict[str, tuple[float, float]]:
    """article -> (ranking score, relevance) for every article in ``dense``.

    relevance = (1 - weight) x cosine + weight x saturated BM25 (0 when the article has no lexical
    match): a score in about [0, 1] that relevance floors read. The ranking score is the relevance
    (``mode="weighted"``) or the reciprocal-rank fusion 1/(k + dense rank) + 1/(k + lexical rank)
    (``"rrf"``; an article without a lexical match gets no lexical term).
    """
    relevance = {aid: (1 - weight) * sim + weight * lexical.get(aid, 0.0) for aid, sim in dense.items()}
    if mode == "weighted":
        return {aid: (r, r) for aid, r in relevance.items()}
    if mode != "rrf":
        raise ValueError(f"unknown fusion {mode!r}")
    dense_rank = {aid: n for n, aid in enumerate(sorted(dense, key=lambda a: (-dense[a], a)), start=1)}
    matched = [aid for aid in dense if lexical.get(aid, 0.0) > 0]
    lexical_rank = {aid: n for n, aid in enumerate(sorted(matched, key=lambda a: (-lexical[a], a)), start=1)}
    return {aid: (1 / (rrf_k + dense_rank[aid]) + (1 / (rrf_k + lexical_rank[aid]) if aid in lexical_rank else 0.0),
                  relevance[aid]) for aid in dense}
