"""The single ingress point for text that will be stored, logged, indexed or trained on.

Until the PII capability lands the text passes through unchanged; every write path already
goes through it so that anonymization can be switched on in one place.
"""


def anonymize_text(text: str) -> str:
    return text
