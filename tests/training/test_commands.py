"""train_intents and evaluate_intents on the command line."""

import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def _csv(tmp_path, text: str):
    path = tmp_path / "data.csv"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("sentence,intent\nhello,greet\n", "text"),
        ("text,label\nhello,greet\n,greet\nbye,\n", "line 3"),
        ("text,label\nhello,greet\nhi there,greet\nbye,farewell\n", "farewell"),
    ],
)
def test_train_intents_refuses_bad_csv_before_training(tmp_path, content, expected):
    with pytest.raises(CommandError, match=expected):
        call_command("train_intents", data=_csv(tmp_path, content))


def test_train_intents_refuses_an_unloadable_base_model(tmp_path):
    data = "text,label\n" + "".join(f"hello {i},greet\nbye {i},farewell\n" for i in range(3))
    with pytest.raises(CommandError, match="no/such/model"):
        call_command("train_intents", data=_csv(tmp_path, data), base_model="/no/such/model", epochs=1)


@pytest.mark.slow
def test_evaluate_intents_writes_the_report(version_factory, dataset, tmp_path, capsys):
    version = version_factory(active=True)
    rows = "".join(f'"{e.text}",{e.label}\n' for e in dataset.test)
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    call_command("evaluate_intents", data=_csv(tmp_path, "text,label\n" + rows), report=str(report))
    body = json.loads(report.read_text())
    assert {"accuracy", "macro_f1", "per_intent", "in_scope_accuracy", "oos_recall"} <= set(body)
    assert body["n_examples"] == len(dataset.test)
    out = capsys.readouterr().out
    assert f"intent v{version.version}" in out and "macro-F1" in out and "out-of-scope recall" in out


def test_evaluate_intents_without_a_version(tmp_path):
    with pytest.raises(CommandError, match="No active intent version"):
        call_command("evaluate_intents", data=_csv(tmp_path, "text,label\nhi,greet\n"))
