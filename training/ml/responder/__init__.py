"""Grounded responder: a GPT-family causal LM (default SmolLM2-135M-Instruct) fine-tuned on
prompt -> agent-reply pairs, writing the reply from the predicted intent, the retrieved
knowledge-base passages and the conversation, citing its sources as [n] and streaming tokens.

Pure ML: no Django or Celery. torch, transformers, peft and rouge-score are imported inside the
functions that need them, so importing this package is cheap.

    passages = [SourcePassage(article_id=7, title="When will my card arrive?", text="Cards arrive in ...")]
    inp = ResponderInput(question="where is my card?", history=[("customer", "hi")], intent="card_arrival",
                         passages=passages)
    pairs = [Pair(inp, reply="Cards usually arrive within 3 to 5 working days [1].", gold_article_ids=(7,)), ...]
    result = train(pairs, "artifacts/responder-v1", ResponderConfig(max_steps=200), progress=print)
    responder = load_responder(result.path)                 # backend="torch" (others: register_backend)
    for piece in responder.stream(inp): ...                 # text pieces as tokens arrive
    answer = responder.answer(inp)                          # Answer(text, cited_article_ids=[7], cited_passages)
    report = evaluate(responder, held_out_pairs)            # perplexity, ROUGE-L, groundedness, citations
"""

from training.ml.common.errors import ArtifactError, BaseModelError, TrainingCancelled
from training.ml.common.progress import ProgressCallback, StopCallback, TrainingProgress
from training.ml.responder.artifact import ARTIFACT_KIND, FORMAT_VERSION, read_artifact_meta, read_pairs
from training.ml.responder.base import DEFAULT_BASE_MODEL, load_base
from training.ml.responder.config import ResponderConfig
from training.ml.responder.data import (
    Pair,
    data_hash,
    encode_pair,
    kb_reply,
    pair_from_dict,
    pair_to_dict,
    split_pairs,
    validate_pairs,
)
from training.ml.responder.errors import PromptTooLongError, ResponderDataError
from training.ml.responder.evaluate import evaluate
from training.ml.responder.generate import (
    Answer,
    LoadedResponder,
    TokenStreamer,
    TorchStreamer,
    citations,
    load_responder,
    register_backend,
)
from training.ml.responder.prompt import HANDOFF_REPLY, ResponderInput, SourcePassage, render_prompt
from training.ml.responder.train import ResponderTrainingResult, train

__all__ = [
    "ARTIFACT_KIND",
    "DEFAULT_BASE_MODEL",
    "FORMAT_VERSION",
    "HANDOFF_REPLY",
    "Answer",
    "ArtifactError",
    "BaseModelError",
    "LoadedResponder",
    "Pair",
    "ProgressCallback",
    "PromptTooLongError",
    "ResponderConfig",
    "ResponderDataError",
    "ResponderInput",
    "ResponderTrainingResult",
    "SourcePassage",
    "StopCallback",
    "TokenStreamer",
    "TorchStreamer",
    "TrainingCancelled",
    "TrainingProgress",
    "citations",
    "data_hash",
    "encode_pair",
    "evaluate",
    "kb_reply",
    "load_base",
    "load_responder",
    "pair_from_dict",
    "pair_to_dict",
    "read_artifact_meta",
    "read_pairs",
    "register_backend",
    "render_prompt",
    "split_pairs",
    "train",
    "validate_pairs",
]
