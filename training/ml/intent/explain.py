"""Word attributions with Captum's Layer Integrated Gradients on the input word embeddings.

Baseline: the same sequence with every non-special token replaced by [PAD] (special tokens
and positions kept), so the attribution answers "how much did these words push the target
logit". Sub-word scores are summed per word; special tokens are dropped; scores are divided
by the sum of their absolute values (so |scores| add up to 1, sign = for/against the target).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from training.ml.intent.classifier import IntentClassifier
from training.ml.intent.predict import BaseIntentClassifier


@dataclass(frozen=True)
class WordAttribution:
    word: str
    score: float
    start: int = 0  # character span of the word in the explained text
    end: int = 0


def _torch_classifier(classifier: BaseIntentClassifier) -> Any:
    if isinstance(classifier, IntentClassifier):
        classifier.warm_up()
        return classifier
    # ONNX graphs have no gradients: explain with the torch weights of the same artifact.
    return IntentClassifier.load(classifier.path, device="cpu")


def _target_index(labels: list[str], target: str | int | None, logits: Any) -> int:
    if target is None:
        return int(logits.argmax(dim=-1).item())
    if isinstance(target, str):
        if target not in labels:
            raise ValueError(f"unknown target intent {target!r}; known: {', '.join(labels)}")
        return labels.index(target)
    if not 0 <= int(target) < len(labels):
        raise ValueError(f"target index {target} out of range 0..{len(labels) - 1}")
    return int(target)


def explain(
    classifier: BaseIntentClassifier, text: str, target: str | int | None = None, *, n_steps: int = 32
) -> list[WordAttribution]:
    """Attribution of each word of ``text`` to ``target`` (intent name or index; default: the top label)."""
    import torch
    from captum.attr import LayerIntegratedGradients

    clf = _torch_classifier(classifier)
    model, tokenizer = clf.model, clf.tokenizer
    encoding = tokenizer(
        [text], truncation=True, max_length=int(clf.meta["max_length"]), return_tensors="pt", return_offsets_mapping=True
    )
    input_ids = encoding["input_ids"].to(clf.device)
    mask = encoding["attention_mask"].to(clf.device)
    word_ids = encoding.word_ids(0)
    offsets = encoding["offset_mapping"][0].tolist()
    if all(w is None for w in word_ids):
        return []

    with torch.no_grad():
        logits = model(input_ids, mask)
    target_index = _target_index(clf.labels, target, logits)

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    is_word = torch.tensor([w is not None for w in word_ids], device=clf.device)
    baseline = torch.where(is_word, torch.full_like(input_ids, pad_id), input_ids)

    def forward(ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return model(ids, attention_mask)

    lig = LayerIntegratedGradients(forward, model.encoder.get_input_embeddings())
    attributions = lig.attribute(
        inputs=input_ids,
        baselines=baseline,
        additional_forward_args=(mask,),
        target=target_index,
        n_steps=n_steps,
        internal_batch_size=n_steps,
    )
    token_scores = attributions.sum(dim=-1)[0].detach().cpu().tolist()

    words: dict[int, list[float]] = {}  # word index -> [score, start, end]
    for position, word_index in enumerate(word_ids):
        if word_index is None:
            continue
        start, end = offsets[position]
        if word_index not in words:
            words[word_index] = [0.0, start, end]
        entry = words[word_index]
        entry[0] += token_scores[position]
        entry[1], entry[2] = min(entry[1], start), max(entry[2], end)
    total = sum(abs(score) for score, _, _ in words.values()) or 1.0
    return [
        WordAttribution(word=text[int(s) : int(e)], score=score / total, start=int(s), end=int(e))
        for score, s, e in (words[i] for i in sorted(words))
    ]
