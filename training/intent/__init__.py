"""The intent classifier on the platform: its data snapshot, runs, evaluation reports, explanations
and its kind spec (kind.py)."""
