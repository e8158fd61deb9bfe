"""CI gate: known vulnerabilities in the installed environment (pip-audit, PyPI's advisory data).

Fails on any known vulnerability unless .ci/pip-audit-ignore.txt lists its id with a reason.
When the advisory service cannot be reached it says so and passes: a network outage must not
fail CI, nor pass for a clean audit. Run: .venv/bin/python .ci/pip_audit.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
IGNORE_FILE = HERE / "pip-audit-ignore.txt"
# Always on PyPI and always installed: if it could not be looked up, nothing could.
CANARY = "django"
OK, VULNERABLE, BROKEN = 0, 1, 2


def load_ignores(path: Path) -> dict[str, str]:
    """`ID reason...` per line; '#' starts a comment. An id without a reason is refused."""
    ignores: dict[str, str] = {}
    if not path.is_file():
        return ignores
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        vuln_id, _, reason = line.partition(" ")
        if not reason.strip():
            raise ValueError(f"{path.name} line {number}: {vuln_id} needs a reason after the id")
        ignores[vuln_id] = reason.strip()
    return ignores


def assess(report: dict, ignores: dict[str, str]) -> tuple[int, list[str]]:
    """The exit code and the lines to print for a pip-audit JSON report."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = {d["name"].lower() for d in dependencies if not d.get("skip_reason")}
    if CANARY not in audited:
        return OK, [f"pip-audit: the vulnerability service could not be reached ({len(skipped)} of {len(dependencies)} "
                    f"packages not looked up, {CANARY} among them). NO AUDIT WAS DONE; this step passes so that a "
                    "network outage does not fail CI. Run it again where PyPI's JSON API is reachable."]
    lines, failing = [], 0
    for dep in sorted(dependencies, key=lambda d: d["name"]):
        for vuln in dep.get("vulns", []):
            names = {vuln["id"], *vuln.get("aliases", [])}
            ignored = next((ignores[n] for n in sorted(names) if n in ignores), None)
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed release"
            label = f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})"
            if ignored:
                lines.append(f"ignored  {label}: {ignored}")
            else:
                failing += 1
                lines.append(f"VULNERABLE  {label}")
    lines += [f"not audited  {d['name']} {d.get('version', '')}: {d['skip_reason']}" for d in skipped]
    lines.append(f"pip-audit: {len(audited)} packages audited, {failing} with unignored known vulnerabilities.")
    return (VULNERABLE if failing else OK), lines


def run_pip_audit() -> tuple[dict | None, str]:
    executable = Path(sys.executable).with_name("pip-audit")
    result = subprocess.run([str(executable), "--format", "json", "--progress-spinner", "off", "--skip-editable"],
                            capture_output=True, text=True, timeout=1800)
    try:
        return json.loads(result.stdout), result.stderr
    except json.JSONDecodeError:
        return None, result.stderr or result.stdout


NETWORK_HINTS = ("ConnectionError", "Max retries", "timed out", "Temporary failure in name resolution", "Name or service not known",
                 "503 Service", "502 Bad Gateway", "SSLError", "ProxyError")


def main() -> int:
    try:
        ignores = load_ignores(IGNORE_FILE)
    except ValueError as exc:
        print(f"pip-audit: {exc}")
        return BROKEN
    report, errors = run_pip_audit()
    if report is None:
        if any(hint in errors for hint in NETWORK_HINTS):
            print("pip-audit: the vulnerability service could not be reached. NO AUDIT WAS DONE; this step passes.\n" + errors[-2000:])
            return OK
        print("pip-audit failed:\n" + errors[-4000:])
        return BROKEN
    code, lines = assess(report, ignores)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
