"""The CI dependency audit (.ci/pip_audit.py) decides on pip-audit's JSON report: fail, pass, or say it could not look."""

from __future__ import annotations

import importlib.util

import pytest

from tests.chatbot.subprocess_django import ROOT

spec = importlib.util.spec_from_file_location("ci_pip_audit", ROOT / ".ci" / "pip_audit.py")
gate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gate)

DJANGO_OK = {"name": "django", "version": "5.2.19", "vulns": []}
VULN = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "fix_versions": ["2.0.1"], "description": "bad"}


def report(*dependencies: dict) -> dict:
    return {"dependencies": list(dependencies), "fixes": []}


def test_a_clean_environment_passes():
    code, lines = gate.assess(report(DJANGO_OK, {"name": "redis", "version": "8.1.0", "vulns": []}), {})
    assert code == gate.OK and "2 packages audited, 0 with" in lines[-1]


def test_a_known_vulnerability_fails():
    code, lines = gate.assess(report(DJANGO_OK, {"name": "somelib", "version": "2.0.0", "vulns": [VULN]}), {})
    assert code == gate.VULNERABLE
    assert "VULNERABLE  somelib 2.0.0: PYSEC-2099-1 (fixed in 2.0.1)" in lines


@pytest.mark.parametrize("listed", ["PYSEC-2099-1", "CVE-2099-0001"])
def test_an_ignored_vulnerability_passes_and_is_still_reported(listed):
    code, lines = gate.assess(report(DJANGO_OK, {"name": "somelib", "version": "2.0.0", "vulns": [VULN]}),
                              {listed: "only reachable through the CLI we do not ship"})
    assert code == gate.OK
    assert any(line.startswith("ignored  somelib") and "CLI we do not ship" in line for line in lines)


def test_an_unreachable_service_is_no_clean_audit():
    skipped = [{"name": n, "skip_reason": "Dependency not found on PyPI and could not be audited"} for n in ("django", "redis")]
    code, lines = gate.assess(report(*skipped), {})
    assert code == gate.OK
    assert "NO AUDIT WAS DONE" in lines[0] and "2 of 2" in lines[0]


def test_a_local_build_that_is_not_on_pypi_is_listed_but_does_not_stop_the_audit():
    local = {"name": "torch", "version": "2.13.0+cpu", "skip_reason": "Dependency not found on PyPI"}
    code, lines = gate.assess(report(DJANGO_OK, local, {"name": "somelib", "version": "2.0.0", "vulns": [VULN]}), {})
    assert code == gate.VULNERABLE
    assert any(line.startswith("not audited  torch") for line in lines)


def test_ignores_need_a_reason(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("# comment\n\nPYSEC-2099-1   not reachable from our code  # until 2.0.1 is pinned\n")
    assert gate.load_ignores(good) == {"PYSEC-2099-1": "not reachable from our code"}
    bad = tmp_path / "bad.txt"
    bad.write_text("PYSEC-2099-1\n")
    with pytest.raises(ValueError, match="line 1: PYSEC-2099-1 needs a reason"):
        gate.load_ignores(bad)


def test_the_project_ignore_file_is_valid():
    assert all(reason for reason in gate.load_ignores(gate.IGNORE_FILE).values())
