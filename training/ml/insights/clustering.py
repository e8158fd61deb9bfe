"""Group questions that ask the same thing: agglomerative clustering (average linkage) over cosine distance,
cut at a distance threshold, so the number of clusters follows the data instead of being chosen up front."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class QuestionCluster:
    """Indices into the input, the closest to the cluster's centre first; ``medoid`` is that first one."""

    members: list[int]
    centroid: Any  # unit-length mean vector (numpy), for finding the nearest article
    cohesion: float  # mean cosine similarity of the members to the centroid

    @property
    def medoid(self) -> int:
        return self.members[0]

    @property
    def size(self) -> int:
        return len(self.members)


def cluster_questions(vectors: Any, *, distance_threshold: float) -> list[QuestionCluster]:
    """Clusters of L2-normalised ``vectors`` (n, d), largest first (ties: the earliest member first).

    A single question is a cluster of one. ``distance_threshold`` is the cosine distance (1 - cosine)
    at which two groups stop being merged (average linkage).
    """
    import numpy as np

    vectors = np.asarray(vectors, dtype="float32")
    n = len(vectors)
    if n == 0:
        return []
    if n == 1:
        labels = np.zeros(1, dtype=int)
    else:
        from sklearn.cluster import AgglomerativeClustering

        model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance_threshold)
        labels = model.fit_predict(vectors)
    clusters = []
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        mean = vectors[idx].mean(axis=0)
        norm = float(np.linalg.norm(mean)) or 1.0
        centroid = mean / norm
        similarity = vectors[idx] @ centroid
        order = idx[np.argsort(-similarity, kind="stable")]
        clusters.append(QuestionCluster(members=[int(i) for i in order], centroid=centroid, cohesion=float(similarity.mean())))
    return sorted(clusters, key=lambda c: (-c.size, min(c.members)))
