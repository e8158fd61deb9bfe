"""Bias audits of model versions on the platform: requesting one, running it against the served
pipeline, and its readable report page. The statistics are in training/ml/audit; the activation
gate is in training/registry/gate.py."""
