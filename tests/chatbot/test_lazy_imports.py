"""The web process must not pay for torch, transformers or faiss at import time."""

import json

from tests.chatbot.subprocess_django import django_json

HEAVY = ["torch", "transformers", "faiss", "onnxruntime", "sentence_transformers", "spacy", "presidio_analyzer", "captum", "matplotlib"]


def test_web_app_and_celery_app_import_no_heavy_library(tmp_path):
    code = (
        "import sys\n"
        "import chatbot.asgi, chatbot.urls, chatbot.celery\n"
        "from django.urls import resolve; resolve('/api/v1/health/')\n"
        "import conversations.admin, training.admin, conversations.services\n"
        f"print(json.dumps(sorted(m for m in {json.dumps(HEAVY)} if m in sys.modules)))"
    )
    # The start-up warm-up thread loads models on purpose; this checks what the imports alone pull in.
    loaded = django_json(code, env={"CHAT_WARM_UP_ON_START": "false"}, var_dir=tmp_path)
    assert loaded == []
