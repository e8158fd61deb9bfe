"""What a chat-completions server is sent is the in-process prompt: the same messages, trimmed by the same
budget, so the server's chat template renders the very token ids the embedded backends prefill."""

from __future__ import annotations

from training.ml.responder import ResponderInput, SourcePassage, render_prompt
from training.ml.responder.prompt import prompt_messages

LONG = " ".join(f"Sentence {n} of a long help article about card delivery times." for n in range(60))


def _rendered(tokenizer, messages) -> list[int]:
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def test_messages_render_to_the_in_process_prompt_even_when_trimmed(base_tokenizer):
    inp = ResponderInput(
        question="When will my card arrive?",
        history=[("customer", "Hello"), ("bot", "Hi! How can I help?"), ("agent", "Alice here.")],
        intent="card_arrival",
        passages=[SourcePassage(11, "Card delivery", LONG), SourcePassage(12, "Lost card", LONG)],
    )
    for budget in (768, 300, 160):
        messages = prompt_messages(base_tokenizer, inp, max_prompt_tokens=budget)
        ids = render_prompt(base_tokenizer, inp, max_prompt_tokens=budget)
        assert _rendered(base_tokenizer, messages) == ids and len(ids) <= budget
        assert messages[0]["role"] == "system" and messages[-1] == {"role": "user", "content": inp.question}
    assert "[1] Card delivery" in prompt_messages(base_tokenizer, inp, max_prompt_tokens=768)[0]["content"]
