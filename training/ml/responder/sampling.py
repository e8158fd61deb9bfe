"""Choosing the next token from one step's logits: repetition penalty, no-repeat n-grams, greedy or sampled.

Both penalties look at the generated tokens only, never at the prompt: a grounded reply is
supposed to reuse the passages' words. Backends that produce torch logits can share this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def banned_ngram_tokens(generated: Sequence[int], n: int) -> set[int]:
    """Tokens that would complete an n-gram already present in ``generated``."""
    if n <= 0 or len(generated) < n:
        return set()
    prefix = tuple(generated[len(generated) - n + 1 :]) if n > 1 else ()
    return {
        generated[i + n - 1]
        for i in range(len(generated) - n + 1)
        if tuple(generated[i : i + n - 1]) == prefix
    }


def next_token(
    logits: Any,
    generated: Sequence[int],
    *,
    temperature: float,
    repetition_penalty: float,
    no_repeat_ngram_size: int,
    generator: Any = None,
) -> int:
    """The next token id from a 1-D logits tensor (vocabulary scores of the last position)."""
    import torch

    scores = logits.float().clone()
    if repetition_penalty != 1.0 and generated:
        seen = torch.tensor(sorted(set(generated)), dtype=torch.long, device=scores.device)
        picked = scores[seen]
        scores[seen] = torch.where(picked > 0, picked / repetition_penalty, picked * repetition_penalty)
    banned = banned_ngram_tokens(generated, no_repeat_ngram_size)
    if banned:
        scores[torch.tensor(sorted(banned), dtype=torch.long, device=scores.device)] = float("-inf")
    if temperature <= 0:
        return int(scores.argmax())
    probs = torch.softmax(scores / temperature, dim=-1)
    return int(torch.multinomial(probs, 1, generator=generator))
