from pathlib import Path

import pytest

from training.ml.intent import Example, IntentDataError, data_hash, load_csv, validate_examples
from training.ml.intent.data import OOS_LABEL, merge_oos, stratified_split


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(content, encoding="utf-8")
    return path


def test_load_csv_reads_rows_and_ignores_extra_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "text,label,source\nwhere is my card,card_arrival,web\n\n  hi there ,greeting,app\n")
    assert load_csv(path) == [Example("where is my card", "card_arrival"), Example("hi there", "greeting")]


def test_load_csv_custom_label_column(tmp_path: Path) -> None:
    path = write(tmp_path, "text,category\nwhere is my card,card_arrival\n")
    assert load_csv(path, label_column="category") == [Example("where is my card", "card_arrival")]


def test_load_csv_missing_column(tmp_path: Path) -> None:
    path = write(tmp_path, "text,intent\nhello,greeting\n")
    with pytest.raises(IntentDataError, match=r"line 1: missing column\(s\) 'label'"):
        load_csv(path)


def test_load_csv_reports_every_bad_row_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'text,label\nok text,greeting\n,greeting\n"   ",greeting\nsome text,\nfine,other\n')
    with pytest.raises(IntentDataError) as info:
        load_csv(path)
    assert info.value.problems == ["line 3: empty text", "line 4: empty text", "line 5: empty label"]
    assert "line 5: empty label" in str(info.value)


def test_load_csv_empty_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IntentDataError, match="empty"):
        load_csv(write(tmp_path, ""))
    with pytest.raises(IntentDataError, match="no examples"):
        load_csv(write(tmp_path, "text,label\n"))
    with pytest.raises(IntentDataError, match="not found"):
        load_csv(tmp_path / "absent.csv")


def test_load_csv_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("text,label\ncaf\xe9,order\n".encode("latin-1"))
    with pytest.raises(IntentDataError, match="UTF-8"):
        load_csv(path)


def examples(**counts: int) -> list[Example]:
    return [Example(f"{label} text {i}", label) for label, n in counts.items() for i in range(n)]


def test_validate_accepts_good_data() -> None:
    validate_examples(examples(a=2, b=3, oos=2))


def test_validate_label_with_one_example() -> None:
    with pytest.raises(IntentDataError) as info:
        validate_examples(examples(a=3, b=1))
    assert info.value.problems == [
        "label 'b' has 1 example(s) (example 3); at least 2 are needed (one to train on, one to validate)"
    ]


def test_validate_needs_two_intents_and_some_examples() -> None:
    with pytest.raises(IntentDataError, match="at least two intents"):
        validate_examples(examples(a=5, oos=3))
    with pytest.raises(IntentDataError, match="no training examples"):
        validate_examples([])


def test_validate_empty_fields_and_wrong_types() -> None:
    with pytest.raises(IntentDataError) as info:
        validate_examples([Example(" ", "a"), Example("x", ""), ("y", "b")])  # type: ignore[list-item]
    assert len(info.value.problems) == 3


def test_validate_conflicting_labels_for_same_text() -> None:
    data = examples(a=2, b=2) + [Example("Where is my card", "a"), Example("where is  my card", "b")]
    with pytest.raises(IntentDataError, match=r"carries two labels \(example 4: a; example 5: b\)"):
        validate_examples(data)


def test_merge_oos_and_blank_oos_text() -> None:
    merged = merge_oos(examples(a=1), ["tell me a joke "])
    assert merged[-1] == Example("tell me a joke", OOS_LABEL)
    with pytest.raises(IntentDataError, match="out-of-scope text 1 is empty"):
        merge_oos([], ["ok", "  "])


def test_data_hash_ignores_order_but_not_content() -> None:
    data = examples(a=3, b=3)
    assert data_hash(data) == data_hash(list(reversed(data)))
    assert data_hash(data) != data_hash(data[:-1] + [Example("other", "b")])
    assert len(data_hash(data)) == 64


def test_stratified_split_keeps_every_label_in_training() -> None:
    data = examples(a=2, b=2, c=10, oos=4)
    train, val = stratified_split(data, val_fraction=0.2, seed=1)
    assert {ex.label for ex in train} == {"a", "b", "c", "oos"}
    assert len(val) >= 4 and len(train) + len(val) == len(data)
    assert stratified_split(data, val_fraction=0.2, seed=1) == (train, val)


def test_stratified_split_too_small() -> None:
    with pytest.raises(IntentDataError, match="too few"):
        stratified_split(examples(a=2, b=2, c=2), val_fraction=0.6, seed=0)
