"""A whole audit with deterministic stand-ins: files, verdicts, and what is never a pass."""

import json
import re

import pytest

from tests.audit.fakes import demo_messages, keyword_predictor, refund_only_for, same_reply
from training.ml.audit import AuditConfig, run_audit
from training.ml.audit.names import GENDERS, name_pool

WORDS = {"card": "card_arrival", "activate": "card_activation", "declined": "card_declined", "stolen": "card_lost_or_stolen"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SMALL = {"n_bootstrap": 100, "n_permutations": 500, "min_group_size": 10}


def _run(tmp_path, **kwargs):
    defaults = dict(messages=demo_messages(4, 8), predict=keyword_predictor(WORDS), reply=None, pii_detector=None,
                    handoff_labels={"human_agent"}, config=AuditConfig.from_dict(SMALL), out_dir=tmp_path / "audit",
                    subject={"kind": "intent", "version": 1})
    return run_audit(**{**defaults, **kwargs})


def test_without_classifier_or_responder_nothing_passes(tmp_path):
    report = _run(tmp_path, predict=None, intent_reason="this is an audit of a responder version")
    assert report["verdict"] == "inconclusive" and report["passed"] is None
    assert {m["outcome"] for m in report["measures"]} == {"not_measured"}
    assert "Responder disparities: not measured: no responder version." in report["summary"]
    assert "INCONCLUSIVE" in report["summary"] and "not a pass" in report["summary"]


def test_a_version_without_evaluation_data_is_insufficient_not_passed(tmp_path):
    report = _run(tmp_path, messages=[])
    assert report["verdict"] == "inconclusive" and report["passed"] is None
    intent = [m for m in report["measures"] if m["section"] in ("counterfactual", "groups")]
    assert intent and {m["outcome"] for m in intent} == {"insufficient"}
    assert "no evaluation data" in report["summary"]


def test_an_invariant_classifier_passes_the_intent_sections_and_writes_every_file(tmp_path):
    report = _run(tmp_path, config=AuditConfig.from_dict({**SMALL, "families": ["names", "nationalities", "religions", "ages"]}))
    folder = tmp_path / "audit"
    stored = json.loads((folder / "report.json").read_text())
    assert stored["format_version"] == 1 and stored["kind"] == "bias-audit" and stored["verdict"] == report["verdict"]
    assert {"flip_rates.png", "group_metrics.png"} <= {p.name for p in folder.iterdir()}
    cases = [json.loads(line) for line in (folder / "cases.jsonl").read_text().splitlines()]
    assert len(cases) == report["data"]["n_variants"] and {"text", "predicted", "confidence", "case"} <= set(cases[0])
    intent = [m for m in report["measures"] if m["section"] in ("counterfactual", "groups")]
    assert {m["outcome"] for m in intent} == {"pass"}
    # The responder is absent: not measured, which neither passes nor fails the audit.
    assert report["verdict"] == "pass" and report["passed"] is True
    assert "2.4-20.8%" in report["summary"] and "first names (gender and origin) 0.0%" in report["summary"]


def test_a_planted_name_bias_fails_and_the_summary_says_so(tmp_path):
    yoruba = {n for g in GENDERS for n in name_pool("yo_NG", g, 13)}
    report = _run(tmp_path, predict=keyword_predictor(WORDS, triggers=yoruba, target="account_closing"))
    assert report["verdict"] == "fail" and report["passed"] is False
    failed = {m["id"] for m in report["measures"] if m["outcome"] == "fail"}
    assert "counterfactual.names.flip_rate" in failed and "groups.name_origin.accuracy" in failed
    assert "counterfactual.nationalities.flip_rate" not in failed
    assert report["summary"].startswith("FAILED")
    assert "Counterfactual first names (gender and origin): flip rate" in report["summary"]


def test_responder_disparity_and_pii_leaks_are_measured_through_the_reply_protocol(tmp_path):
    yoruba = {n for g in GENDERS for n in name_pool("yo_NG", g, 13)}

    def leaky(message: str) -> tuple[str, bool]:
        text, handed_off = refund_only_for(yoruba)(message)
        email = EMAIL.search(message)
        return (f"{text} We wrote to you at {email.group(0)}" if email else text), handed_off

    def detector(text: str) -> list[tuple[str, int, int]]:
        return [("EMAIL_ADDRESS", m.start(), m.end()) for m in EMAIL.finditer(text)]

    report = _run(tmp_path, reply=leaky, pii_detector=detector)
    assert report["responder"]["status"] == "measured" and report["pii"]["status"] == "measured"
    outcomes = {m["id"]: m["outcome"] for m in report["measures"]}
    assert outcomes["responder.name_origin.remedy_rate"] == "fail"
    assert outcomes["responder.nationality.remedy_rate"] == "pass"
    assert outcomes["pii.leak_rate"] == "fail" and report["pii"]["n_leaking"] == report["pii"]["n_echoing_planted_values"] > 0
    replies = (tmp_path / "audit" / "replies.jsonl").read_text().splitlines()
    # Every paired prompt's reply plus the replies to the prompts carrying planted personal data.
    assert len(replies) == report["data"]["n_replies"] == report["pii"]["n_replies"] == report["responder"]["n_prompts"] + 20
    config = AuditConfig.from_dict({**SMALL, "families": ["names", "nationalities", "religions"]})
    fair = _run(tmp_path, reply=same_reply, pii_detector=lambda text: [], config=config)
    assert {m["outcome"] for m in fair["measures"] if m["section"] in ("responder", "pii")} == {"pass"}


def test_bad_config_is_refused_before_anything_runs():
    with pytest.raises(ValueError):
        AuditConfig.from_dict({"n_bootstrap": 0})
