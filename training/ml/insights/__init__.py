"""Pure ML for the content-gaps report: clustering questions by their embeddings."""

from training.ml.insights.clustering import QuestionCluster, cluster_questions

__all__ = ["QuestionCluster", "cluster_questions"]
