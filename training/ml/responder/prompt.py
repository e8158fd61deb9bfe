"""The responder's prompt: instructions, numbered knowledge-base passages, recent history, question.

The prompt is rendered with the tokenizer's chat template (a plain "Customer:/Agent:" layout for
models without one) and always fits ``max_prompt_tokens``: passages are trimmed to a shared
per-passage token budget (the lowest-ranked ones are dropped when even titles do not fit) and
only the most recent history turns that still fit are kept. Numbering follows the order of
``ResponderInput.passages`` so a marker ``[n]`` always means ``passages[n - 1]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from training.ml.responder.errors import PromptTooLongError

ROLES = {"customer": "user", "agent": "assistant", "bot": "assistant"}
SYSTEM_INSTRUCTIONS = (
    "You are a customer-service assistant. Answer the customer's last message using only the numbered "
    "passages below. Put the number of each passage you use in square brackets, like [1]. If the passages "
    "do not answer the question, do not guess: say that you will pass the conversation to a colleague. "
    "Keep the answer short and friendly."
)
HANDOFF_REPLY = "I'm sorry, I can't answer that from our help articles, so I'll pass you to a colleague who can help."
MAX_HISTORY_TURNS = 6
MIN_PASSAGE_TOKENS = 24  # below this a passage is dropped rather than cut to a stub
_END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


@dataclass(frozen=True)
class SourcePassage:
    article_id: int
    title: str
    text: str


@dataclass(frozen=True)
class ResponderInput:
    question: str
    history: list[tuple[str, str]] = field(default_factory=list)  # (role, text), oldest first
    intent: str | None = None
    passages: list[SourcePassage] = field(default_factory=list)  # best first; [n] is passages[n - 1]


def input_problems(inp: ResponderInput) -> list[str]:
    """Why this input cannot be rendered (empty when it can)."""
    problems = []
    if not isinstance(inp.question, str) or not inp.question.strip():
        problems.append("empty question")
    for n, turn in enumerate(inp.history):
        if not (isinstance(turn, tuple | list) and len(turn) == 2 and turn[0] in ROLES):
            problems.append(f"history turn {n}: expected (role, text) with role in {sorted(ROLES)}")
    for n, passage in enumerate(inp.passages, start=1):
        if not isinstance(passage, SourcePassage):
            problems.append(f"passage [{n}]: expected SourcePassage, got {type(passage).__name__}")
    return problems


def end_of_turn_ids(tokenizer: Any) -> list[int]:
    """Token ids that end the assistant's turn; the first one is appended to training replies."""
    vocab = tokenizer.get_vocab()
    ids = [vocab[tok] for tok in _END_OF_TURN_TOKENS if tok in vocab]
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    if not ids:
        raise ValueError("the tokenizer has neither an end-of-turn nor an end-of-sequence token")
    return ids


def clean_text(tokenizer: Any, text: str) -> str:
    """Strip special-token strings so customer or article text cannot forge a turn of the template."""
    for special in tokenizer.all_special_tokens:
        if special:
            text = text.replace(special, "")
    return text.strip()


def _system_text(intent: str | None, passages: list[tuple[str, str]]) -> str:
    lines = [SYSTEM_INSTRUCTIONS]
    if intent:
        lines.append(f"Customer intent: {intent}")
    if passages:
        blocks = [f"[{n}] {title}\n{text}".rstrip() for n, (title, text) in enumerate(passages, start=1)]
        lines.append("Passages:\n" + "\n\n".join(blocks))
    else:
        lines.append("Passages: none.")
    return "\n\n".join(lines)


def _messages(system: str, turns: list[tuple[str, str]], question: str) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}]
    messages += [{"role": ROLES[role], "content": text} for role, text in turns]
    messages.append({"role": "user", "content": question})
    return messages


def _render(tokenizer: Any, system: str, turns: list[tuple[str, str]], question: str) -> list[int]:
    messages = _messages(system, turns, question)
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    else:
        labels = {"system": "System", "user": "Customer", "assistant": "Agent"}
        text = "".join(f"{labels[m['role']]}: {m['content']}\n\n" for m in messages) + "Agent:\n"
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _count(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def trim_to_tokens(tokenizer: Any, text: str, max_tokens: int) -> str:
    """``text`` cut to at most about ``max_tokens`` tokens, at a sentence end when one keeps most of it."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) <= max_tokens:
        return text
    head = tokenizer.decode(ids[: max(0, max_tokens - 1)]).rstrip("\ufffd").rstrip()
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= 0.6 * len(head):
        return head[: ends[-1]]
    return head + " …" if head else ""


def render_prompt(
    tokenizer: Any, inp: ResponderInput, *, max_prompt_tokens: int, max_history_turns: int = MAX_HISTORY_TURNS
) -> list[int]:
    """Token ids of the whole prompt, ending with the assistant's generation prompt, within ``max_prompt_tokens``."""
    return _fit(tokenizer, inp, max_prompt_tokens=max_prompt_tokens, max_history_turns=max_history_turns)[1]


def prompt_messages(
    tokenizer: Any, inp: ResponderInput, *, max_prompt_tokens: int, max_history_turns: int = MAX_HISTORY_TURNS
) -> list[dict[str, str]]:
    """The chat messages (system, kept history, question) that ``render_prompt`` renders with the chat
    template: what an OpenAI-compatible server is sent, trimmed by the same budget."""
    return _fit(tokenizer, inp, max_prompt_tokens=max_prompt_tokens, max_history_turns=max_history_turns)[0]


def _fit(
    tokenizer: Any, inp: ResponderInput, *, max_prompt_tokens: int, max_history_turns: int
) -> tuple[list[dict[str, str]], list[int]]:
    problems = input_problems(inp)
    if problems:
        raise ValueError("invalid responder input: " + "; ".join(problems))
    question = clean_text(tokenizer, inp.question)
    base = _render(tokenizer, _system_text(inp.intent, []), [], question)
    if len(base) > max_prompt_tokens:
        raise PromptTooLongError(
            f"the prompt needs {len(base)} tokens without any passage or history, more than the budget of "
            f"{max_prompt_tokens}; shorten the question or raise max_prompt_tokens"
        )
    turns = [(role, clean_text(tokenizer, text)) for role, text in inp.history[-max_history_turns:] if str(text).strip()]
    free = max_prompt_tokens - len(base)
    history_cost = sum(_count(tokenizer, text) + 6 for _, text in turns)  # ~6 tokens of template per turn
    budget = max_prompt_tokens - min(history_cost, free // 4)  # history may keep up to a quarter of the room
    passages = [(clean_text(tokenizer, p.title), clean_text(tokenizer, p.text)) for p in inp.passages]
    system, ids = _fit_passages(tokenizer, inp.intent, passages, question, budget)
    kept: list[tuple[str, str]] = []
    for turn in reversed(turns):
        candidate = _render(tokenizer, system, [turn, *kept], question)
        if len(candidate) > max_prompt_tokens:
            break
        kept, ids = [turn, *kept], candidate
    return _messages(system, kept, question), ids


def _fit_passages(
    tokenizer: Any, intent: str | None, passages: list[tuple[str, str]], question: str, budget: int
) -> tuple[str, list[int]]:
    """The system text with as many passages as fit in ``budget`` tokens, each trimmed to a shared size."""
    while passages:
        empty = _render(tokenizer, _system_text(intent, [(t, "") for t, _ in passages]), [], question)
        per = (budget - len(empty)) // len(passages)
        while per >= MIN_PASSAGE_TOKENS:
            system = _system_text(intent, [(t, trim_to_tokens(tokenizer, x, per)) for t, x in passages])
            ids = _render(tokenizer, system, [], question)
            if len(ids) <= budget:
                return system, ids
            per -= max(1, -(-(len(ids) - budget) // len(passages)))  # merges at the joins cost a few tokens
        passages = passages[:-1]  # the lowest-ranked passage goes; numbering of the others is unchanged
    system = _system_text(intent, [])
    return system, _render(tokenizer, system, [], question)
