"""Writing a transformers Llama-family folder (a fine-tuned responder's ``model/``) as a GGUF file for llama.cpp.

Only what llama.cpp needs to run the network is written: the hyper-parameters, the weights (matrices
as Q8_0 or F16, norms as F32) and the vocabulary it insists on loading. Prompts are tokenized by the
transformers tokenizer and passed to llama.cpp as ids, so llama.cpp's own tokenizer is never used.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from training.ml.common.errors import ArtifactError

QUANTIZATIONS = ("f16", "bf16", "q8_0")
SUPPORTED_ARCHITECTURES = ("LlamaForCausalLM",)


def _permute_for_gguf(weight: Any, n_heads: int) -> Any:
    """transformers rotates the two halves of each head; llama.cpp's Llama rotates adjacent pairs.
    Reordering the rows of the q and k projections makes the two conventions compute the same thing."""
    out_features = weight.shape[0]
    return (
        weight.reshape(n_heads, 2, out_features // n_heads // 2, *weight.shape[1:])
        .swapaxes(1, 2)
        .reshape(weight.shape)
    )


def _read_config(model_dir: Path) -> dict[str, Any]:
    try:
        config = json.loads((model_dir / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"cannot read {model_dir / 'config.json'}: {exc}") from exc
    architectures = config.get("architectures") or []
    if not set(architectures) & set(SUPPORTED_ARCHITECTURES):
        raise ArtifactError(
            f"GGUF export supports {', '.join(SUPPORTED_ARCHITECTURES)}, not {', '.join(architectures) or 'an unnamed model'}"
        )
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    if rope.get("rope_type", "default") not in ("default", None):
        raise ArtifactError(f"GGUF export does not handle rope scaling {rope.get('rope_type')!r}")
    return config


def _state_dict(model_dir: Path) -> dict[str, Any]:
    """Weights as float32 numpy arrays, read from the safetensors files without building the model."""
    from safetensors.torch import load_file

    files = sorted(model_dir.glob("*.safetensors"))
    if not files:
        raise ArtifactError(f"no .safetensors weights in {model_dir}")
    weights: dict[str, Any] = {}
    for file in files:
        try:
            tensors = load_file(str(file))
        except Exception as exc:  # a truncated or foreign file
            raise ArtifactError(f"cannot read {file}: {exc}") from exc
        weights.update({name: tensor.float().numpy() for name, tensor in tensors.items()})
    return weights


def _tokenizer_json(model_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _pre_tokenizer(config: dict[str, Any]) -> str:
    """llama.cpp's name for the transformers pre-tokenizer: plain byte-level BPE is GPT-2's regex; digits
    split one by one before it is SmolLM's; anything else keeps llama.cpp's default."""
    steps = config.get("pretokenizers") if config.get("type") == "Sequence" else [config]
    kinds = [(step.get("type"), step.get("individual_digits"), step.get("use_regex", True)) for step in steps or []]
    if kinds == [("ByteLevel", None, True)]:
        return "gpt-2"
    if kinds == [("Digits", True, True), ("ByteLevel", None, True)]:
        return "smollm"
    return "default"


def _add_vocabulary(writer: Any, model_dir: Path, vocab_size: int) -> None:
    import gguf

    try:
        vocab = gguf.vocab.BpeVocab(model_dir)
    except Exception as exc:  # gguf raises FileNotFoundError or ValueError for other tokenizer kinds
        raise ArtifactError(f"GGUF export needs a BPE tokenizer.json in {model_dir}: {exc}") from exc
    tokenizer = _tokenizer_json(model_dir)
    special = {item["content"] for item in tokenizer.get("added_tokens", []) if item.get("special")}
    tokens, types = [], []
    for text, _score, toktype in vocab.all_tokens():
        tokens.append(text.encode("utf-8") if isinstance(text, str) else text)
        # Special added tokens (<|im_start|>, <|im_end|>) are control tokens, so a server tokenizing the
        # chat template's text reads each as one token, as transformers does.
        types.append(int(gguf.TokenType.CONTROL) if text in special else int(toktype))
    while len(tokens) < vocab_size:  # the embedding may be padded beyond the tokenizer's vocabulary
        tokens.append(f"[PAD{len(tokens)}]".encode())
        types.append(int(gguf.TokenType.UNUSED))
    writer.add_tokenizer_model("gpt2")
    # The in-process backends pass token ids; llama.cpp's own tokenizer only runs in its server
    # (RESPONDER_BACKEND=openai), where the pre-tokenizer must split text as transformers does.
    writer.add_tokenizer_pre(_pre_tokenizer(tokenizer.get("pre_tokenizer") or {}))
    writer.add_token_list(tokens[:vocab_size])
    writer.add_token_types(types[:vocab_size])
    gguf.SpecialVocab(model_dir, load_merges=True).add_to_gguf(writer, quiet=True)


def export_gguf(model_dir: str | os.PathLike[str], out_path: str | os.PathLike[str], *, quantization: str = "q8_0") -> Path:
    """Write ``model_dir`` (a transformers Llama folder) as a GGUF file at ``out_path`` (atomically)."""
    import gguf
    import numpy as np

    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {', '.join(QUANTIZATIONS)}, not {quantization!r}")
    model_dir, out_path = Path(model_dir), Path(out_path)
    config = _read_config(model_dir)
    n_layers, n_heads = config["num_hidden_layers"], config["num_attention_heads"]
    n_kv_heads = config.get("num_key_value_heads") or n_heads
    hidden = config["hidden_size"]
    head_dim = config.get("head_dim") or hidden // n_heads
    rope = config.get("rope_parameters") or {}
    weights = _state_dict(model_dir)
    if not config.get("tie_word_embeddings", False) and "lm_head.weight" not in weights:
        raise ArtifactError(f"{model_dir} has untied embeddings but no lm_head.weight")

    matrix_type = {"f16": gguf.GGMLQuantizationType.F16, "bf16": gguf.GGMLQuantizationType.BF16,
                   "q8_0": gguf.GGMLQuantizationType.Q8_0}[quantization]
    file_type = {"f16": gguf.LlamaFileType.MOSTLY_F16, "bf16": gguf.LlamaFileType.MOSTLY_BF16,
                 "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[quantization]
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, n_layers)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out_path.name + ".", dir=out_path.parent)
    os.close(fd)
    try:
        writer = gguf.GGUFWriter(tmp, "llama")
        writer.add_context_length(config.get("max_position_embeddings", 2048))
        writer.add_embedding_length(hidden)
        writer.add_block_count(n_layers)
        writer.add_feed_forward_length(config["intermediate_size"])
        writer.add_head_count(n_heads)
        writer.add_head_count_kv(n_kv_heads)
        writer.add_rope_dimension_count(head_dim)
        writer.add_rope_freq_base(float(rope.get("rope_theta", config.get("rope_theta", 10000.0))))
        writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps", 1e-6)))
        writer.add_vocab_size(config["vocab_size"])
        writer.add_file_type(file_type)
        _add_vocabulary(writer, model_dir, config["vocab_size"])
        for name, array in weights.items():
            if name == "lm_head.weight" and config.get("tie_word_embeddings", False):
                continue  # llama.cpp reuses token_embd for the output when there is no output.weight
            target = names.get_name(name, try_suffixes=(".weight", ".bias"))
            if target is None:
                raise ArtifactError(f"GGUF export does not know the tensor {name!r}")
            data = array
            if name.endswith("q_proj.weight"):
                data = _permute_for_gguf(data, n_heads)
            elif name.endswith("k_proj.weight"):
                data = _permute_for_gguf(data, n_kv_heads)
            if data.ndim == 2 and data.shape[1] % 32 == 0:
                qtype = matrix_type
            else:
                qtype = gguf.GGMLQuantizationType.F32  # norms, and matrices Q8_0 blocks do not tile
            if qtype in (gguf.GGMLQuantizationType.Q8_0, gguf.GGMLQuantizationType.BF16):
                writer.add_tensor(target, gguf.quants.quantize(data, qtype), raw_dtype=qtype)
            elif qtype == gguf.GGMLQuantizationType.F16:
                writer.add_tensor(target, data.astype(np.float16))
            else:
                writer.add_tensor(target, np.ascontiguousarray(data, dtype=np.float32))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from a web process running as another user
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out_path
