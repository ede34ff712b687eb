"""The edition: one file (data/editie.yml) says which year the report is about.

Every stage reads it: `clean` accepts years up to the edition year, `build` writes the
publication date and the publisher into _generated/metadata.yml (Quarto and the embedded
engine read the book's date there, not from _quarto.yml), `status` compares the deliveries
with it, and `monitor edition start 2025` moves it on to the next year.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from report.errors import MonitorError
from report.project import Project

EDITION_FILE = "editie.yml"
DEMO_PUBLISHER = "Demonstratie-uitgave — geen officiële publicatie"


class Edition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int = Field(ge=2000, le=2100, description="The last year the report covers.")
    publication_date: dt.date = Field(description="The date on the cover, e.g. 2025-06-30.")
    status: Literal["draft", "final"] = Field(
        default="draft", description="final: every render is a final render (see `render --final`)."
    )
    previous: int | None = Field(
        default=None, description="The frozen edition (data/edities/<year>) revisions are measured against."
    )
    publisher: str = Field(
        default="", description="The publisher line on the cover (the demo data print their own)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Edition:
        if self.publication_date.year <= self.year:
            raise ValueError(
                f"publication_date {self.publication_date.isoformat()} lies before the end of the "
                f"edition year {self.year}; an edition about {self.year} is published in "
                f"{self.year + 1} or later"
            )
        if self.previous is not None and self.previous >= self.year:
            raise ValueError(f"previous edition {self.previous} must be before the edition year {self.year}")
        return self


def edition_path(root: Path) -> Path:
    return root / "data" / EDITION_FILE


def load_edition(root: Path | Project) -> Edition:
    """Read and validate data/editie.yml; every problem names the file and the field."""
    root = root.root if isinstance(root, Project) else Path(root)
    path = edition_path(root)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MonitorError(
            f"{path}: the edition file is missing; it says which year the report covers, e.g.\n"
            "  year: 2024\n  publication_date: 2025-06-30\n  status: draft\n  previous: 2023"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise MonitorError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise MonitorError(f"{path}: expected a mapping with year, publication_date, status, previous")
    try:
        return Edition.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: the edition is not valid:"]
        for e in exc.errors():
            field = ".".join(str(p) for p in e["loc"]) or "(file)"
            got = e.get("input")
            found = "" if isinstance(got, dict | list) or not e["loc"] else f" (found {got!r})"
            lines.append(f"  - {field}: {e['msg']}{found}")
        raise MonitorError("\n".join(lines)) from None


def edition_text(edition: Edition) -> str:
    """data/editie.yml as `monitor edition start` writes it (with the comments an author needs)."""
    previous = "" if edition.previous is None else str(edition.previous)
    publisher = yaml.safe_dump(edition.publisher, allow_unicode=True, width=10_000).strip()
    if publisher.endswith("..."):  # yaml's end-of-document marker after a plain scalar
        publisher = publisher[:-3].strip()
    return (
        "# The edition of the monitor: the one place where its year is set. Read by every stage\n"
        "# (clean, build, render, status); `monitor edition start <year>` moves it to the next year.\n"
        "#\n"
        "# year:             the last year the report covers (deliveries up to this year)\n"
        "# publication_date: the date on the cover and in the colophon (YYYY-MM-DD)\n"
        "# status:           draft, or final (every render is then a final render: see README)\n"
        "# previous:         the frozen edition in data/edities/ that revisions are marked against\n"
        "# publisher:        the publisher line on the cover (demo data print their own notice)\n"
        f"year: {edition.year}\n"
        f"publication_date: {edition.publication_date.isoformat()}\n"
        f"status: {edition.status}\n"
        f"previous: {previous}\n"
        f"publisher: {publisher}\n"
    )


def write_edition(root: Path, edition: Edition) -> None:
    path = edition_path(root)
    tmp = path.with_suffix(".yml.tmp")
    tmp.write_text(edition_text(edition), encoding="utf-8")
    tmp.replace(path)


def book_metadata(edition: Edition, demo: bool) -> dict:
    """What the build puts into _generated/metadata.yml for both engines' title pages."""
    return {
        "date": edition.publication_date.isoformat(),
        "publisher": DEMO_PUBLISHER if demo else edition.publisher or "Redactie Monitor drugscriminaliteit",
        "edition-status": edition.status,
    }


# -- monitor edition start ------------------------------------------------------------------------

_PROVISIONAL_LINE = re.compile(r"^(?P<lead>\s*provisional_years:\s*)\[(?P<years>[^\]]*)\](?P<rest>.*)$")


def roll_provisional(text: str, old: int, new: int) -> tuple[str, list[tuple[int, str]]]:
    """sources.yml text with `provisional_years` moved from the old edition year to the new one.

    Works on the text so that the author's comments and layout stay; a block list that this cannot
    read is an error that names the line.
    """
    out, changed = [], []
    for n, line in enumerate(text.split("\n"), start=1):
        m = _PROVISIONAL_LINE.match(line)
        if m is None:
            if re.match(r"^\s*provisional_years:\s*$", line):
                raise MonitorError(
                    f"data/sources.yml, line {n}: write provisional_years on one line, e.g. "
                    f"provisional_years: [{old}], so `edition start` can move it to {new}"
                )
            out.append(line)
            continue
        years = [int(y) for y in re.findall(r"\d{4}", m["years"])]
        rolled = sorted({new if y == old else y for y in years})
        if rolled != years:
            changed.append((n, f"{years} → {rolled}"))
        out.append(f"{m['lead']}[{', '.join(str(y) for y in rolled)}]{m['rest']}")
    return "\n".join(out), changed


def start(project: Project, year: int, publication_date: dt.date | None = None) -> list[str]:
    """Move the project to the edition `year`; returns what was done, as lines to print.

    In order, and only once everything is checked: freeze the current edition when it is not
    frozen yet, move provisional years in data/sources.yml, write data/editie.yml.
    """
    from report.clean.config import load_sources
    from report.clean.pipeline import raw_files_changed
    from report.clean.revisions import editions_dir, freeze, frozen_matches_clean

    current = load_edition(project)
    if raw_files_changed(project):
        raise MonitorError(
            "data/raw changed since the last `monitor clean`: clean first, so that the edition "
            f"{current.year} that is frozen now is the one its deliveries give; nothing was changed"
        )
    if year != current.year + 1:
        raise MonitorError(
            f"data/editie.yml: the edition is {current.year}; the next edition is {current.year + 1}, "
            f"not {year}"
        )
    sources_path = project.root / "data" / "sources.yml"
    sources_text = sources_path.read_text(encoding="utf-8")
    rolled_text, changed = roll_provisional(sources_text, current.year, year)
    if publication_date is None:
        d = current.publication_date
        publication_date = d.replace(year=d.year + 1) if not (d.month == 2 and d.day == 29) else d
    new = Edition(
        year=year,
        publication_date=publication_date,
        status="draft",
        previous=current.year,
        publisher=current.publisher,
    )
    done: list[str] = []
    frozen = editions_dir(project) / str(current.year)
    if frozen.exists():
        if not frozen_matches_clean(project, current.year):
            raise MonitorError(
                f"{frozen}: edition {current.year} is frozen, but data/clean differs from it; freeze it "
                f"again with `monitor freeze {current.year} --replace` (keeps the old copy) or clean the "
                "data it was frozen from, then start the new edition"
            )
        done.append(f"edition {current.year} was frozen already ({frozen.relative_to(project.root)})")
    else:
        dest = freeze(project, current.year)
        done.append(f"edition {current.year} frozen in {dest.relative_to(project.root)}")
    if changed:
        # Validate the rolled configuration before writing it.
        tmp = sources_path.with_suffix(".yml.tmp")
        tmp.write_text(rolled_text, encoding="utf-8")
        try:
            load_sources(tmp)
        except MonitorError:
            tmp.unlink()
            raise
        tmp.replace(sources_path)
        for line, what in changed:
            done.append(f"data/sources.yml, line {line}: provisional_years {what}")
    write_edition(project.root, new)
    done.append(
        f"data/editie.yml: edition {year}, publication date {publication_date.isoformat()}, "
        f"status draft, compared with edition {current.year}"
    )
    for src in load_sources(sources_path).sources:
        reason = src.not_delivered.get(year)
        expect = f"not expected: {reason}" if reason else f"expected with figures for {year}"
        done.append(f"delivery {src.id} ({src.organisation}): {', '.join(src.files)} — {expect}")
    return done
