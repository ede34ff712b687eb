"""Markup: shortcodes, variables, includes, cross references, ids; what the registry has and
no chapter shows. The book loader finds the problems (one parser); this turns them into findings."""

from __future__ import annotations

import re

from report.check.context import CheckContext
from report.check.finding import ERROR, WARNING, Finding

KIND = "markup"


def check(ctx: CheckContext) -> list[Finding]:
    out: list[Finding] = []
    # a broken shortcode, include or comment loses text: references into it fail as a consequence
    shortcode_errors = [p for p in ctx.problems if p.code in ("shortcode", "include", "comment")]
    for p in ctx.problems:
        message = p.message
        if p.code == "reference" and shortcode_errors:
            first = shortcode_errors[0]
            message += f" (perhaps because of the {first.code} error at {first.file}, line {first.line})"
        out.append(Finding(p.file, p.line, p.column, p.text, KIND, ERROR, message, p.suggestion))
    out += _unreferenced(ctx)
    out += _not_in_any_chapter(ctx)
    return out


def _unreferenced(ctx: CheckContext) -> list[Finding]:
    """Figures and tables the editors made in a chapter that no text refers to."""
    referenced = {ref for _chapter, ref in ctx.book.references}
    out: list[Finding] = []
    for src in ctx.sources:
        for m in re.finditer(r"\{#((?:fig|tbl)-[\w-]+)", src.visible):
            label_id = m.group(1)
            if label_id in referenced or label_id not in ctx.book.labels:
                continue
            line, col = src.position(m.start() + 1)
            what = "figure" if label_id.startswith("fig-") else "table"
            out.append(
                Finding(
                    src.rel,
                    line,
                    col,
                    "#" + label_id,
                    KIND,
                    WARNING,
                    f"{what} '#{label_id}' is never referred to in the text",
                    f"refer to it with @{label_id} where the text discusses it",
                )
            )
    return out


def _not_in_any_chapter(ctx: CheckContext) -> list[Finding]:
    """Registry indicators whose block no chapter includes; markets no included indicator has."""
    included = {f for ch in ctx.book.chapters for f in ch.files}
    registry_rel = "data/indicators.yml"
    lines = (ctx.root / registry_rel).read_text(encoding="utf-8").split("\n")

    def line_of(pattern: str) -> int:
        rx = re.compile(pattern)
        return next((i for i, text in enumerate(lines, start=1) if rx.search(text)), 0)

    out: list[Finding] = []
    shown = []
    for ind in ctx.registry.indicators:
        block = f"_generated/indicatoren/{ind.id}.md"
        if block in included:
            shown.append(ind)
            continue
        out.append(
            Finding(
                registry_rel,
                line_of(rf"\bid:\s*{re.escape(ind.id)}\b"),
                0,
                ind.id,
                KIND,
                WARNING,
                f"indicator {ind.number} '{ind.id}' appears in no chapter",
                f"include it in chapter {ctx.registry.theme_by_id[ind.theme].file}: "
                f"{{{{< blok {block.removeprefix('_generated/')} >}}}}",
            )
        )
    used = {m for ind in shown for m in ind.markets}
    parents = {ctx.registry.market_by_id[m].parent for m in used}
    for market in ctx.registry.markets:
        if market.id in used or market.id in parents:
            continue
        out.append(
            Finding(
                registry_rel,
                line_of(rf"\{{\s*id:\s*{re.escape(market.id)}\b"),
                0,
                market.id,
                KIND,
                WARNING,
                f"market '{market.id}' ({market.name.nl}) appears in no chapter: "
                "no included indicator has it",
                "give an indicator this market, or remove the market from the registry",
            )
        )
    return out
