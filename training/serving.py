"""Serving the active model versions to the chat pipeline.

The intent classifier, retriever and responder plug in here as their capabilities land;
until a version of a kind is active, its step is absent and the pipeline hands off.
"""

from conversations.models import Intent
from conversations.pipeline import Pipeline


def pipeline_components() -> Pipeline:
    human_intents = frozenset(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    return Pipeline(classifier=None, retriever=None, responder=None, human_intents=human_intents)
