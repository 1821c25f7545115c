"""pip-audit's JSON report (argv[1], exit status argv[2]) to the log, the job summary and a
warning, also for the packages it could not audit (which its own summary line leaves out)."""

import json
import os
import sys

path, status = sys.argv[1], sys.argv[2]
lines = ["## Security audit (informational)", ""]
warnings = []
try:
    with open(path, encoding="utf-8") as report:
        dependencies = json.load(report)["dependencies"]
except (OSError, ValueError, KeyError) as error:
    dependencies = None
    lines.append(f"pip-audit did not finish (exit status {status}): {error}")
    warnings.append(f"pip-audit did not finish (exit status {status}); see the log")
if dependencies is not None:
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    found = [
        (dep, vuln) for dep in dependencies if "skip_reason" not in dep for vuln in dep["vulns"]
    ]
    vulnerable = {dep["name"] for dep, _ in found}
    audited = len(dependencies) - len(skipped)
    lines.append(
        f"{audited} packages audited: {len(found)} known vulnerabilities in "
        f"{len(vulnerable)} packages; {len(skipped)} packages could not be audited."
    )
    if found:
        lines += [
            "",
            "| Package | Version | Vulnerability | Fixed in |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| {dep['name']} | {dep['version']} | {vuln['id']} | "
            f"{', '.join(vuln['fix_versions']) or 'no fix yet'} |"
            for dep, vuln in found
        ]
        warnings.append(f"{len(found)} known vulnerabilities in {len(vulnerable)} packages")
    if skipped:
        lines += ["", "Not audited:", ""]
        lines += [f"- {dep['name']}: {dep['skip_reason']}" for dep in skipped]
        names = ", ".join(dep["name"] for dep in skipped)
        warnings.append(f"{len(skipped)} packages could not be audited: {names}")
text = "\n".join(lines) + "\n"
print(text)
summary = os.environ.get("GITHUB_STEP_SUMMARY")
if summary:
    with open(summary, "a", encoding="utf-8") as out:
        out.write(text)
for warning in warnings:
    print(f"::warning title=Security audit::{warning}")
