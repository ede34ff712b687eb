"""Editions and revisions: freeze an edition's clean data, report what changed since.

`monitor freeze 2024` copies data/clean/observations.csv to data/edities/2024/. The next run
compares: every historical value that differs from the last frozen edition is a revision,
listed in data/clean/revisions.csv and marked in the report's tables and figure notes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from report.errors import MonitorError
from report.observations import KEY
from report.project import Project
from report.registry import Registry

REVISION_COLUMNS = KEY + ["previous_value", "value", "previous_edition"]


def editions_dir(project: Project) -> Path:
    return project.root / "data" / "edities"


def freeze(project: Project, edition: int) -> Path:
    """Keep this edition's clean data for comparison with later editions."""
    src = project.clean / "observations.csv"
    if not src.exists():
        raise MonitorError(f"{src}: nothing to freeze; run `monitor clean` first")
    dest = editions_dir(project) / str(edition)
    if dest.exists():
        raise MonitorError(
            f"{dest}: edition {edition} is frozen already; frozen editions are not overwritten"
        )
    dest.mkdir(parents=True)
    for name in ("observations.csv", "manifest.csv", "metadata.yml"):
        if (project.clean / name).exists():
            shutil.copy2(project.clean / name, dest / name)
    return dest


def previous_edition(project: Project, registry: Registry) -> pd.DataFrame | None:
    """The clean data of the latest frozen edition before this one (None when there is none)."""
    folder = editions_dir(project)
    if not folder.exists():
        return None
    editions = sorted(
        int(p.name) for p in folder.iterdir() if p.name.isdigit() and int(p.name) < registry.edition
    )
    if not editions:
        return None
    path = folder / str(editions[-1]) / "observations.csv"
    frame = pd.read_csv(path, dtype={"note": str}, keep_default_na=False)
    return frame.assign(edition=editions[-1])


def compare_with_previous(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
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


def load_revisions(clean_dir: Path) -> pd.DataFrame:
    path = clean_dir / "revisions.csv"
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    return pd.read_csv(path)
