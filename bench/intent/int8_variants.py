"""Post-training int8 settings against fp32 on an artifact's held-out validation split.

Chooses the quantisation setting on validation rows the model never trained on (so not on a
final-fit artifact, whose validation rows were trained on), never on test.csv:

    nice -n 10 .venv/bin/python -m bench.intent.int8_variants --artifact var/bench/b77-tuneA \
        --json bench/results/intent/banking77_int8_variants_validation.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.intent.common import machine  # noqa: E402
from training.ml.intent.artifact import VALIDATION_FILE, read_artifact_meta, read_examples  # noqa: E402
from training.ml.intent.classifier import IntentClassifier  # noqa: E402
from training.ml.intent.export import _export_fp32  # noqa: E402

VARIANTS: dict[str, dict] = {
    "int8 per-channel, every op (served today)": {"per_channel": True},
    "int8 per-channel, MatMul only (embeddings fp32)": {"per_channel": True, "op_types_to_quantize": ["MatMul"]},
    "int8 per-tensor, every op": {"per_channel": False},
}


def main(argv: list[str] | None = None) -> int:
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifact", required=True)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    folder = Path(args.artifact)
    meta = read_artifact_meta(folder)
    if meta.get("data", {}).get("validation_seen_in_training"):
        parser.error(f"{folder} trained on its validation split: choose settings on an artifact that did not")
    torch_clf = IntentClassifier.load(folder, device="cpu")
    val = read_examples(folder / VALIDATION_FILE)
    texts, y = [ex.text for ex in val], np.array([torch_clf.labels.index(ex.label) for ex in val])
    enc = torch_clf.tokenizer(texts, padding=True, truncation=True, max_length=int(meta["max_length"]),
                               return_tensors="np")
    feeds = {"input_ids": enc["input_ids"].astype(np.int64), "attention_mask": enc["attention_mask"].astype(np.int64)}
    rows = [{"variant": "torch fp32", "validation_accuracy": float((torch_clf.logits(texts).argmax(1) == y).mean())}]
    with tempfile.TemporaryDirectory() as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        _export_fp32(torch_clf.model, torch_clf.tokenizer, fp32)
        paths = {"onnx fp32": fp32}
        for i, (name, options) in enumerate(VARIANTS.items()):
            paths[name] = Path(scratch) / f"int8_{i}.onnx"
            quantize_dynamic(str(fp32), str(paths[name]), weight_type=QuantType.QInt8, **options)
        for name, path in paths.items():
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            logits = session.run(["logits"], feeds)[0]
            rows.append({"variant": name, "validation_accuracy": float((logits.argmax(1) == y).mean()),
                         "onnx_megabytes": round(path.stat().st_size / 1e6, 1)})
            print(json.dumps(rows[-1]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"bench": "int8_variants", "artifact": str(folder), "n_validation": len(val),
                                               "rows": rows, "machine": machine()}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
