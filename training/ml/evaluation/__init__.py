"""Answer-quality evaluation, pure: the held-out file format, the offline grounding checker, the report."""
