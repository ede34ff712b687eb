"""Descriptive text from facts, through Jinja2 templates that editors can read and change.

Templates live in chapters/sjablonen/<lang>/. They run in a sandbox with StrictUndefined: a
template that names a fact that does not exist is an error, never a blank. Templates only
see formatted facts (strings made here), so every number in the text comes from the data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from report import markdown_text, numbers
from report.errors import MonitorError
from report.facts import SeriesFacts
from report.registry import Registry
from report.wording import CAUSAL_WORDS, find_causal_words  # noqa: F401  (one list; re-exported)


class Markdown(str):
    """Markdown made by the monitor (a rendered template, a table cell): not escaped again."""


# A value that is one token (an id, a path, a number, a year) has nothing Markdown reads: it is
# kept as it is, so '{#sec-{{ id }}}' and '({{ pad }})' stay intact. Anything else is text.
_TOKEN = re.compile(r"[A-Za-z0-9/](?:[\w./:-]*[A-Za-z0-9])?")


def as_text(value: Any) -> Any:
    """Jinja's finalize: every string a template outputs is escaped unless it is Markdown or a token."""
    if not isinstance(value, str) or isinstance(value, Markdown) or _TOKEN.fullmatch(value):
        return value
    return markdown_text.escape(value)


def pct_decimals(value: float) -> int:
    """Relative changes: whole percents, one decimal below 1 percent."""
    return 1 if abs(value) < 1 else 0


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates in the project cache (report/cache.py): compiling the ten
    templates is ~0.1 s of every build that writes text. The key is the template's name and
    source, the settings of :class:`TextWriter` (this module's code) and Jinja's and Python's
    versions; Jinja checks the source's checksum again when it loads one."""

    def __init__(self, project_root: Path):
        import sys

        import jinja2

        from report.cache import Cache, code_version

        self.cache = Cache.of_project(project_root)
        self.context = [code_version("text.py"), jinja2.__version__, sys.version]

    def _key(self, bucket) -> str:
        from report.cache import digest

        return digest("jinja", bucket.key, bucket.checksum, self.context)

    def load_bytecode(self, bucket) -> None:
        entry = self.cache.get("jinja", self._key(bucket))
        if entry is not None:
            with entry.file("template.bin").open("rb") as fh:
                bucket.load_bytecode(fh)

    def dump_bytecode(self, bucket) -> None:
        import io

        buf = io.BytesIO()
        bucket.write_bytecode(buf)
        self.cache.put("jinja", self._key(bucket), {"template.bin": buf.getvalue()})


class TextWriter:
    def __init__(self, registry: Registry, template_dir: Path, project_root: Path | None = None):
        self.registry = registry
        self.template_dir = template_dir
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(str(template_dir)),
            bytecode_cache=CompiledTemplates(project_root) if project_root is not None else None,
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Pandoc attributes start with "{#" ({#fig-x}); Jinja comments use "{## ... ##}".
            comment_start_string="{##",
            comment_end_string="##}",
            # Strings from data and the registry are text: '*x*', '$x$', '<script>', '{{< include >}}'
            # in a note show literally (report/markdown_text.py).
            finalize=as_text,
        )
        self.env.filters["jaren"] = numbers.years
        self.env.filters["opsomming"] = numbers.words

    # -- formatted facts -------------------------------------------------------------------
    def series_context(self, s: SeriesFacts, lang: str) -> dict[str, Any]:
        reg = self.registry
        ind = reg.indicator_by_id[s.indicator]
        measure = ind.measure(s.measure)
        unit = reg.unit_by_id[s.unit]

        def fmt(v: float) -> str:
            return numbers.number(v, s.decimals, lang)

        def fmt_pct(v: float) -> str:
            return numbers.number(abs(v), pct_decimals(v), lang)

        counts = unit.kind in ("count", "amount", "money")
        more, less = ("meer", "minder") if lang == "nl" and counts else ("hoger", "lager")
        if lang == "en":
            more, less = {
                "count": ("more", "fewer"),
                "amount": ("more", "less"),
                "money": ("more", "less"),
            }.get(unit.kind, ("higher", "lower"))
        ctx: dict[str, Any] = {
            "indicator": ind.id,
            "label": getattr(measure.label, lang),
            "markt": getattr(reg.market_by_id[s.market].name, lang),
            "markt_id": s.market,
            # One market for the whole indicator: naming it again in the sentence is noise.
            "enige_markt": len(ind.markets) == 1,
            "regio": getattr(reg.region_by_id[s.region].name, lang),
            "eenheid": getattr(unit.words, lang),
            "procentpunten": unit.kind == "percentage",
            "ten_minste": s.lower_bound,
            "jaar": str(s.last.year),
            "waarde": fmt(s.last.value),
            "voorlopig": s.last.provisional,
            "jaren": [str(y) for y in s.years],
            "ontbrekende_jaren": [str(y) for y in s.missing_years],
            "schaars": s.sparse,
            # A series of one year: worded as that one year, never as a span '2025–2025'.
            "enig_jaar": len(s.points) == 1,
            "breukjaren": [str(y) for y in s.break_years],
            "noten": [{"jaar": str(p.year), "tekst": p.note} for p in s.points if p.note],
            "vergelijkbaar": s.comparable,
            "richting": s.direction,
            "meer": more,
            "minder": less,
            "heeft_vorige": s.previous is not None,
        }
        if s.previous is not None:
            ctx["vorig_jaar"] = str(s.previous.year)
            ctx["vorige_waarde"] = fmt(s.previous.value)
        if s.change is not None:
            ctx["verschil"] = fmt(abs(s.change))
            ctx["verschil_procent"] = fmt_pct(s.change_pct) if s.change_pct is not None else None
        ctx["heeft_basis"] = s.base is not None and s.change_since_base is not None
        if ctx["heeft_basis"]:
            ctx["basisjaar"] = str(s.base.year)
            ctx["basiswaarde"] = fmt(s.base.value)
            ctx["basis_verschil"] = fmt(abs(s.change_since_base))
            ctx["basis_richting"] = _long_direction(s)
            ctx["basis_verschil_procent"] = (
                fmt_pct(s.change_since_base_pct) if s.change_since_base_pct is not None else None
            )
        return ctx

    # -- rendering -------------------------------------------------------------------------
    def render(self, name: str, **context: Any) -> str:
        try:
            template = self.env.get_template(name)
        except TemplateNotFound as exc:
            raise MonitorError(f"{self.template_dir / name}: template not found") from exc
        except TemplateError as exc:
            raise MonitorError(f"{self.template_dir / name}: {exc}") from exc
        try:
            return Markdown(template.render(**context))
        except TemplateError as exc:
            # StrictUndefined lands here: name the template and the missing fact.
            where = _template_line(exc)
            raise MonitorError(
                f"{self.template_dir / name}{where}: {exc}. "
                "The template names a fact that does not exist; see docs/conventions.md "
                "or report/text.py (series_context) for the facts a template can use."
            ) from exc

    def first_existing(self, *names: str) -> str:
        for n in names:
            if (self.template_dir / n).exists():
                return n
        return names[-1]

    def series_text(self, s: SeriesFacts, lang: str, name_market: bool = True) -> str:
        """Sentences on one series; name_market=False when a list item names the market already."""
        name = self.first_existing(f"{lang}/reeks_{s.indicator}.md.j2", f"{lang}/reeks.md.j2")
        ctx = self.series_context(s, lang)
        if not name_market:
            ctx["enige_markt"] = True
        text = self.render(name, s=ctx)
        return Markdown(" ".join(text.split()))


def _long_direction(s: SeriesFacts) -> str:
    if s.kind == "percentage":
        small = abs(s.change_since_base) < s.stable_within_pct / 10
    elif s.change_since_base_pct is None:
        small = s.change_since_base == 0
    else:
        small = abs(s.change_since_base_pct) < s.stable_within_pct
    if small:
        return "gelijk"
    return "hoger" if s.change_since_base > 0 else "lager"


def _template_line(exc: Exception) -> str:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f", line {line}" if line else ""
