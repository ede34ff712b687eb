"""What stops a render. Kept small so it can be merged with other --final conditions."""

from __future__ import annotations

from report.check.finding import ERROR, Finding
from report.errors import MonitorError


def blocking(findings: list[Finding], final: bool) -> list[Finding]:
    """Every error stops a final render; any render stops for broken markup (it would publish
    a literal '{{<' or lose text)."""
    return [f for f in findings if f.severity == ERROR and (final or f.kind == "markup")]


def render_gate(findings: list[Finding], final: bool) -> None:
    """Raise MonitorError listing the findings that stop this render."""
    stop = blocking(findings, final)
    if not stop:
        return
    lines = [f"  {f.file}, line {f.line}: [{f.kind}] {f.message}" for f in stop]
    why = "a final render needs a text without errors" if final else "the chapters have broken markup"
    raise MonitorError(
        f"render refused: {why} ({len(stop)} errors; details: monitor check):\n" + "\n".join(lines)
    )
