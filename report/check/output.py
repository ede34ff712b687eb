"""Findings for people (grouped per file, coloured on a terminal) and for tools (JSON)."""

from __future__ import annotations

import json
from collections import Counter

from rich.console import Console
from rich.markup import escape

from report.check.finding import ACCEPTED, ERROR, KINDS, WARNING, Finding

_STYLE = {ERROR: "bold red", WARNING: "yellow", ACCEPTED: "cyan"}


def as_json(findings: list[Finding]) -> str:
    return json.dumps(
        {"findings": [f.as_dict() for f in findings], "summary": summary(findings)},
        ensure_ascii=False,
        indent=2,
    )


def summary(findings: list[Finding]) -> dict:
    counted = [f for f in findings if f.severity != ACCEPTED]
    return {
        "errors": sum(f.severity == ERROR for f in findings),
        "warnings": sum(f.severity == WARNING for f in findings),
        "accepted": sum(f.severity == ACCEPTED for f in findings),
        "per_kind": {k: n for k in KINDS if (n := Counter(f.kind for f in counted)[k])},
    }


def print_findings(findings: list[Finding], console: Console, title: str = "check") -> None:
    current = None
    for f in findings:
        if f.file != current:
            current = f.file
            console.print(f"\n[bold]{escape(f.file)}[/]", highlight=False)
        where = f"{f.line}:{f.column}" if f.column else f"{f.line}"
        label = {ERROR: "error", WARNING: "warning", ACCEPTED: "accepted"}[f.severity]
        console.print(
            f"  {where:>7}  [{_STYLE[f.severity]}]{label}[/] [dim]{f.kind}[/]  {escape(f.message)}",
            highlight=False,
            soft_wrap=True,
        )
        if f.text and f.text.lower() not in f.message.lower():
            console.print(f"           [dim]{escape(f.text)}[/]", highlight=False, soft_wrap=True)
        if f.suggestion:
            console.print(f"           → {escape(f.suggestion)}", highlight=False, soft_wrap=True)
    s = summary(findings)
    if not findings:
        console.print(f"{title}: no findings")
        return
    kinds = ", ".join(f"{k} {n}" for k, n in s["per_kind"].items())
    console.print(
        f"\n{title}: {s['errors']} errors, {s['warnings']} warnings"
        + (f", {s['accepted']} accepted by editors" if s["accepted"] else "")
        + (f" ({kinds})" if kinds else ""),
        highlight=False,
    )
