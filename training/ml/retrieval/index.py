"""FAISS index construction: exact inner product for small collections, HNSW above a threshold."""

from __future__ import annotations

from typing import Any

from training.ml.retrieval.config import RetrievalConfig


def choose_index_type(n_vectors: int, config: RetrievalConfig) -> str:
    if config.index_type != "auto":
        return config.index_type
    return "hnsw" if n_vectors > config.auto_hnsw_threshold else "flat"


def build_faiss(vectors: Any, index_type: str, config: RetrievalConfig) -> Any:
    import faiss

    dim = int(vectors.shape[1])
    if index_type == "flat":
        index = faiss.IndexFlatIP(dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = config.hnsw_ef_construction
        index.hnsw.efSearch = config.hnsw_ef_search
    else:
        raise ValueError(f"unknown index type {index_type!r}")
    index.add(vectors)
    return index


def set_ef_search(index: Any, ef_search: int) -> None:
    hnsw = getattr(index, "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = int(ef_search)
