"""The knowledge-base index on the platform: the snapshot it is built from, the build, rebuilds when
an article changes, and its kind spec (kind.py)."""
