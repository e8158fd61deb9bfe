"""export_responder: the fine-tuned version as a GGUF for llama.cpp's server and as a merged transformers
folder for vLLM, written from the registry's active (or a named) version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from training.ml.common.errors import ArtifactError
from training.ml.responder.serving_export import export_for_serving
from training.models import ModelVersion


@pytest.mark.django_db
def test_the_command_says_when_no_responder_version_is_active(tmp_path):
    with pytest.raises(CommandError, match="no responder version is active"):
        call_command("export_responder", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="no responder version 7"):
        call_command("export_responder", "--out", str(tmp_path), "--number", "7")


def test_a_folder_that_is_not_a_responder_is_refused(tmp_path):
    with pytest.raises(ArtifactError):
        export_for_serving(tmp_path, tmp_path / "out")
    with pytest.raises(ValueError, match="formats"):
        export_for_serving(tmp_path, tmp_path / "out", formats=("onnx",))


@pytest.mark.slow
@pytest.mark.django_db
def test_the_active_version_exports_both_forms_servers_load(trained_responder, tmp_path):
    from llama_cpp import Llama
    from transformers import AutoTokenizer

    ModelVersion.objects.create(kind="responder", version=4, artifact_path=str(trained_responder.path), is_active=True)
    call_command("export_responder", "--out", str(tmp_path))
    gguf, folder = tmp_path / "responder.gguf", tmp_path / "responder-hf"
    model_dir = Path(trained_responder.path) / "model"
    # The merged folder: the artifact's weights and tokenizer as they are, without the llama.cpp copies.
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in model_dir.iterdir() if p.suffix != ".gguf")
    assert json.loads((folder / "config.json").read_text())["architectures"] == ["LlamaForCausalLM"]
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer.chat_template, "vLLM applies the tokenizer's chat template"
    # The GGUF carries the chat template, and llama.cpp tokenizes the template's text as transformers does.
    llm = Llama(model_path=str(gguf), vocab_only=True, verbose=False)
    assert "<|im_start|>" in llm.metadata["tokenizer.chat_template"]
    text = tokenizer.apply_chat_template([{"role": "user", "content": "Card [1] in 3 to 5 days?"}], add_generation_prompt=True,
                                         tokenize=False)
    assert llm.tokenize(text.encode(), add_bos=False, special=True) == tokenizer(text, add_special_tokens=False)["input_ids"]
