"""The grounded responder on the platform: training pairs from the database, its runs, and its kind
spec (kind.py)."""
