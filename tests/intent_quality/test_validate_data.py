"""Data validation: what validate_data reports, what training does with conflicts, and bad input refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from training.ml.intent import Example, IntentDataError, IntentTrainingConfig, load_csv, train  # noqa: E402
from training.ml.intent.data import drop_conflicts  # noqa: E402
from training.ml.intent.embed import embed_texts  # noqa: E402
from training.ml.intent.validate import validate_data  # noqa: E402
from training.models import ModelVersion, TrainingRun  # noqa: E402

CARD = ["where is my new card", "my card has not arrived", "card still not delivered", "when will my card come",
        "has my card been posted", "i am waiting for my card"]
PIN = ["how do i change my pin", "i forgot my pin", "reset my pin number", "my pin is blocked",
       "can i choose a new pin", "where do i see my pin"]


def _csv(tmp_path: Path, rows: list[tuple[str, str]], header: str = "text,label") -> str:
    path = tmp_path / "data.csv"
    path.write_text(header + "\n" + "".join(f'"{t}",{label}\n' for t, label in rows), encoding="utf-8")
    return str(path)


def _rows() -> list[tuple[str, str]]:
    return [(t, "card_arrival") for t in CARD] + [(t, "pin_change") for t in PIN]


def test_report_names_conflicts_small_labels_imbalance_and_duplicates_with_lines(tmp_path):
    rows = [*_rows(), ("My card has not arrived", "pin_change"), ("reset my pin number", "pin_change")]
    rows += [(f"close my account please {i}", "account_closing") for i in range(1)]
    examples = load_csv(_csv(tmp_path, rows))
    report = validate_data(examples)
    by_check = {f.check: f for f in report.findings}
    assert by_check["conflicting_labels"].rows == ["line 3", "line 14"]
    assert by_check["conflicting_labels"].labels == ["card_arrival", "pin_change"]
    assert by_check["too_few_examples"].rows == ["line 16"] and "'account_closing' has 1" in by_check["too_few_examples"].message
    assert by_check["duplicate"].rows == ["line 10", "line 15"]
    assert "imbalance" in by_check and not report.trainable
    assert report.to_text().splitlines()[1].startswith("ERROR")


def test_encoder_checks_find_near_duplicates_and_examples_that_look_like_another_label():
    examples = [Example(t, "card_arrival") for t in CARD] + [Example(t, "pin_change") for t in PIN]
    examples += [Example("my card has not arrived yet", "pin_change"), Example("how do i change my pin?!", "card_arrival")]
    report = validate_data(examples, vectors=embed_texts([ex.text for ex in examples]))
    near = [f for f in report.findings if f.check == "near_duplicate"]
    assert {tuple(f.labels) for f in near} >= {("card_arrival", "pin_change"), ("pin_change", "card_arrival")}
    odd = {f.rows[0] for f in report.findings if f.check == "looks_like_other_label"}
    assert {"example 12", "example 13"} <= odd
    assert report.trainable  # warnings only


def test_drop_conflicts_removes_every_row_of_a_text_with_two_labels():
    data = [Example("a", "x"), Example("A ", "y"), Example("b", "x"), Example("c", "y")]
    kept, dropped = drop_conflicts(data)
    assert kept == [Example("b", "x"), Example("c", "y")]
    assert dropped == [{"text": "a", "labels": ["x", "y"], "rows": ["example 0", "example 1"]}]


def test_training_proceeds_without_the_conflicting_rows_and_names_them(tmp_path):
    examples = [Example(t, "card_arrival") for t in CARD] + [Example(t, "pin_change") for t in PIN]
    examples.append(Example("i forgot my pin", "card_arrival"))
    config = IntentTrainingConfig(epochs=1, min_steps=0, max_length=16, batch_size=8, export_onnx=False,
                                  validate_every_epoch=False, val_fraction=0.25)
    meta = train(examples, tmp_path / "model", config).meta
    assert meta["data"]["dropped_conflicts"] == [
        {"text": "i forgot my pin", "labels": ["card_arrival", "pin_change"], "rows": ["example 7", "example 12"]}
    ]
    assert meta["data"]["n_examples"] == len(examples) - 2
    strict = IntentTrainingConfig(**{**config.to_dict(), "drop_conflicts": False})
    with pytest.raises(IntentDataError, match="carries two labels"):
        train(examples, tmp_path / "strict", strict)
    assert not (tmp_path / "strict").exists()


@pytest.mark.django_db
def test_validate_data_command_reports_and_strict_refuses(tmp_path, capsys):
    path = _csv(tmp_path, [*_rows(), ("I forgot my PIN", "card_arrival")])
    call_command("validate_data", data=path, no_encoder=True)
    out = capsys.readouterr().out
    assert "conflicting_labels" in out and "line 9, line 14" in out and "training drops these rows" in out
    with pytest.raises(CommandError, match="--strict"):
        call_command("validate_data", data=path, no_encoder=True, strict=True)
    capsys.readouterr()
    call_command("validate_data", data=path, no_encoder=True, json=True)
    body = json.loads(capsys.readouterr().out)
    assert body["trainable"] is True and body["counts"]["conflicting_labels"] == 1


BAD_INPUTS = [
    pytest.param(b"sentence,label\nhello,greet\n", r"line 1: missing column\(s\) 'text'", id="missing-column"),
    pytest.param(b"text,label\nhello,greet\nhi,greet\nbye,\n", r"line 4: empty label", id="empty-label"),
    pytest.param(b"text,label\nhello,greet\nhi,greet\nbye,farewell\n", r"'farewell' has 1 example\(s\) \(line 4\)",
                 id="one-example"),
    pytest.param(b"text,label\nhello,greet\nhi,greet\ncaf\xe9,order\n", r"line 4: not valid UTF-8", id="not-utf8"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "message"), BAD_INPUTS)
def test_bad_input_gets_a_clear_message_and_nothing_is_trained(tmp_path, content, message):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("validate_data", data=str(path), no_encoder=True)
    with pytest.raises(CommandError, match=message):
        call_command("train_intents", data=str(path), epochs=1)
    assert not ModelVersion.objects.exists()
    assert not TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED).exists()


@pytest.mark.django_db
def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(b"text,label\n")
        handle.seek(50 * 1024 * 1024)
        handle.write(b"x,y\n")
    for command in ("validate_data", "train_intents"):
        with pytest.raises(CommandError, match=r"50\.0 MB; at most 20 MB"):
            call_command(command, data=str(path))
    assert not ModelVersion.objects.exists()
