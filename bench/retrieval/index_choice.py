"""Exact (IndexFlatIP) vs approximate (IndexHNSWFlat, inner product) FAISS search on synthetic
collections of normalised 384-d vectors: build time, single-query latency, recall@10 vs exact.

    cd /work/main && .venv/bin/python bench/retrieval/index_choice.py [--sizes 1000 10000 50000]

The vectors are "random-ish" like sentence embeddings: a mixture of 300 Gaussian clusters (sentence
embeddings are clustered, unlike uniform random vectors, which are a pathological worst case for
graph indexes); queries are held-out points of the same mixture. One search thread (a web worker
answers one query at a time), as the platform would run it.
"""

from __future__ import annotations

import argparse
import time

import faiss
import numpy as np

DIM = 384


def make_data(n: int, n_queries: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    centers = rng.standard_normal((300, DIM)).astype("float32")
    def sample(m: int) -> np.ndarray:
        x = centers[rng.integers(0, len(centers), m)] + 0.9 * rng.standard_normal((m, DIM)).astype("float32")
        return x / np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(sample(n)), np.ascontiguousarray(sample(n_queries))


def latency_ms(index, queries: np.ndarray, k: int = 10) -> tuple[float, float]:
    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 20000, 50000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--m", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=100)
    parser.add_argument("--ef-search", type=int, nargs="+", default=[64, 128])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"faiss {faiss.__version__}; build with {faiss.omp_get_max_threads()} threads, search with 1 thread")
    print("| vectors | index | build s | p50 ms | p95 ms | recall@10 |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in args.sizes:
        data, queries = make_data(n, args.queries, rng)
        build_threads = faiss.omp_get_max_threads()
        t = time.perf_counter()
        flat = faiss.IndexFlatIP(DIM)
        flat.add(data)
        flat_build = time.perf_counter() - t
        faiss.omp_set_num_threads(1)
        _, truth = flat.search(queries, 10)
        p50, p95 = latency_ms(flat, queries)
        print(f"| {n} | flat (exact) | {flat_build:.3f} | {p50:.3f} | {p95:.3f} | 1.000 |", flush=True)
        faiss.omp_set_num_threads(build_threads)
        t = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(DIM, args.m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = args.ef_construction
        hnsw.add(data)
        hnsw_build = time.perf_counter() - t
        faiss.omp_set_num_threads(1)
        for ef in args.ef_search:
            hnsw.hnsw.efSearch = ef
            _, found = hnsw.search(queries, 10)
            recall = np.mean([len(set(f) & set(g)) / 10 for f, g in zip(found, truth)])
            p50, p95 = latency_ms(hnsw, queries)
            print(f"| {n} | hnsw M={args.m} efC={args.ef_construction} efS={ef} | {hnsw_build:.2f} | {p50:.3f} | {p95:.3f} | {recall:.3f} |", flush=True)
        faiss.omp_set_num_threads(build_threads)


if __name__ == "__main__":
    main()
