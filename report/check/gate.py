"""What stops a render. Kept small so it can be merged with other --final conditions."""

from __future__ import annotations

from report.check.finding import ERROR, Finding


def blocking(findings: list[Finding], final: bool) -> list[Finding]:
    """Every error stops a final render; any render stops for broken markup (it would publish
    a literal '{{<' or lose text)."""
    return [f for f in findings if f.severity == ERROR and (final or f.kind == "markup")]


def refusal_lines(stop: list[Finding]) -> list[str]:
    return [f"  {f.file}, line {f.line}: [{f.kind}] {f.message}" for f in stop]
