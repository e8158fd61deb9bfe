"""How closely each faster responder backend follows fp32 torch: greedy tokens on grounded prompts.

For each prompt every backend streams ``--tokens`` greedy tokens (stop tokens disabled, no
penalties); the figures are the share of prompts whose first N tokens equal fp32's exactly, and the
mean length of the common prefix (where a reply first departs from fp32's).

    .venv/bin/python -m bench.responder.agreement --prompts 20 --tokens 32
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.responder.prompts import DEFAULT_MODEL, grounded_prompts, resolve_model  # noqa: E402


def greedy(streamer, prompt: list[int], tokens: int) -> list[int]:
    return list(streamer.stream(prompt, max_new_tokens=tokens, stop_ids=set(), temperature=0.0,
                                repetition_penalty=1.0, no_repeat_ngram_size=0))


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--backends", default="llamacpp,llamacpp-bf16,llamacpp-q8,torch-int8,torch-bf16")
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--show", type=int, default=2, help="print the first N prompts' replies")
    args = parser.parse_args(argv)

    import torch
    from transformers import AutoTokenizer

    from bench.responder.latency import factory

    torch.set_num_threads(args.threads)
    model_dir = resolve_model(args.model)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompts = grounded_prompts(tokenizer, args.prompts)
    reference = factory("torch")(model_dir, args.threads)
    expected = [greedy(reference, p, args.tokens) for p in prompts]
    print(f"model {model_dir}; {len(prompts)} grounded prompts; first {args.tokens} greedy tokens vs torch fp32")
    print("| backend | identical replies | mean common prefix (tokens) | min |")
    print("|---|---|---|---|")
    for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
        streamer = factory(name)(model_dir, args.threads)
        got = [greedy(streamer, p, args.tokens) for p in prompts]
        prefixes = [common_prefix(a, b) for a, b in zip(expected, got, strict=True)]
        same = sum(p == args.tokens for p in prefixes)
        print(f"| {name} | {same}/{len(prompts)} ({same / len(prompts):.0%}) | {statistics.fmean(prefixes):.1f} | "
              f"{min(prefixes)} |")
        for i in range(min(args.show, len(prompts))):
            print(f"    fp32 : {tokenizer.decode(expected[i])!r}\n    {name:5s}: {tokenizer.decode(got[i])!r}")
        del streamer
    return 0


if __name__ == "__main__":
    sys.exit(main())
