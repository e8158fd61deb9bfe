"""Training in admin: runs and their progress, versions (activate, roll back, reports), bias audits, answer evaluations,
and the knowledge base with its index. Thin over the registry and the capability folders."""

from training.admin import audits, evaluations, knowledge, runs, versions  # noqa: F401 - each registers its ModelAdmins
from training.admin import validation  # noqa: F401,I001 - after runs: adds the data check to its admin
