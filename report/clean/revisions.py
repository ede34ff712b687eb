"""Editions and revisions: freeze an edition's clean data, report what changed since.

`monitor freeze 2024` copies data/clean/observations.csv to data/edities/2024/. The next run
compares: every historical value that differs from the last frozen edition is a revision,
listed in data/clean/revisions.csv and marked in the report's tables and figure notes.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from report.errors import MonitorError
from report.observations import KEY
from report.project import Project
from report.registry import Registry

if TYPE_CHECKING:
    import pandas as pd

REVISION_COLUMNS = KEY + ["previous_value", "value", "previous_edition"]


def editions_dir(project: Project) -> Path:
    return project.root / "data" / "edities"


FROZEN_FILES = ("observations.csv", "manifest.csv", "metadata.yml")


def clean_data_year(project: Project) -> int:
    """The latest year the clean data hold: the edition they can be frozen as."""
    src = project.clean / "observations.csv"
    if not src.exists():
        raise MonitorError(f"{src}: nothing to freeze; run `monitor clean` first")
    import pandas as pd

    years = pd.read_csv(src, usecols=["year"])["year"]
    if years.empty:
        raise MonitorError(f"{src}: the clean data hold no observations; nothing to freeze")
    return int(years.max())


def frozen_matches_clean(project: Project, edition: int) -> bool:
    """Is data/edities/<edition> the same as data/clean (observations, byte for byte)?"""
    frozen = editions_dir(project) / str(edition) / "observations.csv"
    current = project.clean / "observations.csv"
    return frozen.exists() and current.exists() and frozen.read_bytes() == current.read_bytes()


def freeze(project: Project, edition: int | None = None, replace: bool = False) -> Path:
    """Keep this edition's clean data for comparison with later editions.

    Only the edition the clean data are for (their latest year) can be frozen: freezing other
    data under an edition's name would make the next edition's revisions wrong. A frozen
    edition is replaced only with `replace`, and the old copy stays beside it.
    """
    held = clean_data_year(project)
    if edition is None:
        edition = held
    if edition != held:
        raise MonitorError(
            f"data/clean holds the data for edition {held} (years up to {held}), not {edition}; "
            f"`monitor freeze` keeps only the edition the clean data are for: `monitor freeze {held}`. "
            f"Nothing in {editions_dir(project).relative_to(project.root)}/ was changed."
        )
    dest = editions_dir(project) / str(edition)
    kept_aside = None
    if dest.exists():
        if not replace:
            raise MonitorError(
                f"{dest}: edition {edition} is frozen already; frozen editions are not overwritten "
                f"(to freeze it again, `monitor freeze {edition} --replace` keeps the old copy beside it)"
            )
        n = 1
        while (kept_aside := dest.with_name(f"{edition}.vervangen-{n}")).exists():
            n += 1
    tmp = dest.with_name(f".{edition}.freezing")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for name in FROZEN_FILES:
        if (project.clean / name).exists():
            shutil.copy2(project.clean / name, tmp / name)
    if kept_aside is not None:
        dest.rename(kept_aside)
    tmp.rename(dest)
    return dest


def previous_edition(project: Project, registry: Registry) -> pd.DataFrame | None:
    """The clean data of the edition revisions are measured against (None when there is none).

    data/editie.yml names it (`previous`); without that, the latest frozen edition before this one.
    A named edition that is not frozen is an error: revisions would silently disappear.
    """
    import pandas as pd

    from report.edition import load_edition

    folder = editions_dir(project)
    named = load_edition(project).previous
    if named is not None:
        path = folder / str(named) / "observations.csv"
        if not path.exists():
            raise MonitorError(
                f"data/editie.yml names previous edition {named}, but {path.relative_to(project.root)} "
                f"does not exist; freeze it (`monitor freeze {named}` with its clean data) or correct "
                "'previous'"
            )
        chosen = named
    else:
        if not folder.exists():
            return None
        editions = sorted(
            int(p.name) for p in folder.iterdir() if p.name.isdigit() and int(p.name) < registry.edition
        )
        if not editions:
            return None
        chosen = editions[-1]
    path = folder / str(chosen) / "observations.csv"
    frame = pd.read_csv(path, dtype={"note": str}, keep_default_na=False)
    return frame.assign(edition=chosen)


def compare_with_previous(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    import pandas as pd

    if previous is None or previous.empty:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    merged = current[KEY + ["value"]].merge(
        previous[KEY + ["value", "edition"]].rename(
            columns={"value": "previous_value", "edition": "previous_edition"}
        ),
        on=KEY,
        how="inner",
    )
    changed = merged[(merged["value"] - merged["previous_value"]).abs() > 1e-9]
    return changed[REVISION_COLUMNS].sort_values(KEY, ignore_index=True)


def load_revisions(clean_dir: Path) -> dict[tuple, tuple[float, int]]:
    """The values revised since the last frozen edition, by observation key (indicator, measure,
    market, region, year): (the previous edition's value, that edition). Read with the csv
    module: the build has no other use for pandas (~0.45 s to import)."""
    path = clean_dir / "revisions.csv"
    if not path.exists() or path.stat().st_size == 0:
        return {}
    out: dict[tuple, tuple[float, int]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row, r in enumerate(csv.DictReader(f), start=2):
            try:
                key = (r["indicator"], r["measure"], r["market"], r["region"], int(r["year"]))
                out[key] = (float(r["previous_value"]), int(r["previous_edition"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise MonitorError(
                    f"{path}, row {row}: not a revision as `monitor clean` writes it ({exc!r}); "
                    "run `monitor clean` again"
                ) from exc
    return out
