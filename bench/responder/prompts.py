"""Grounded responder prompts for the generation benchmarks: three knowledge-base passages and a question.

The passages are the bench knowledge base's help articles (bench/retrieval/kb/articles.json,
61-97 words each); prompt ``i`` uses articles i, i+1, i+2 and asks a question about the first, as
the retriever would rank them. They are rendered by the responder's own ``render_prompt``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.ml.responder.prompt import ResponderInput, SourcePassage, render_prompt

ARTICLES = Path(__file__).resolve().parents[1] / "retrieval" / "kb" / "articles.json"
DEFAULT_MODEL = "var/models/base/SmolLM2-135M-Instruct.Q4_1-hf"
MAX_PROMPT_TOKENS = 768  # the responder's default budget (ResponderConfig.max_prompt_tokens)
QUESTIONS = (
    "Can you help me with this: {title}?",
    "{title} - what should I do?",
    "Hi, quick question. {title}. How does that work?",
)


def grounded_inputs(n: int) -> list[ResponderInput]:
    articles = json.loads(ARTICLES.read_text())
    inputs = []
    for i in range(n):
        chosen = [articles[(i + k) % len(articles)] for k in range(3)]
        passages = [SourcePassage(article_id=(i + k) % len(articles), title=a["title"], text=a["body"])
                    for k, a in enumerate(chosen)]
        question = QUESTIONS[i % len(QUESTIONS)].format(title=chosen[0]["title"].rstrip("?").lower())
        inputs.append(ResponderInput(question=question, intent=chosen[0]["intents"][0], passages=passages))
    return inputs


def grounded_prompts(tokenizer: Any, n: int) -> list[list[int]]:
    return [render_prompt(tokenizer, inp, max_prompt_tokens=MAX_PROMPT_TOKENS) for inp in grounded_inputs(n)]


def resolve_model(name: str) -> str:
    """A model folder: the path itself, or the converted default base when ``name`` is its short name."""
    from training.ml.responder.base import resolve_base_model

    return resolve_base_model(name, cache_dir=Path("var/models/base"))
