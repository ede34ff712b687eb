"""The clean stage: raw deliveries (data/raw) → validated clean observations (data/clean).

Public: `clean(project)` and `freeze(project, edition)`; the rest is private machinery.
"""

from __future__ import annotations

__all__ = ["clean", "freeze", "CleanFailed", "CleanResult"]


def __getattr__(name: str):
    # Imported when first used: the build reads only report.clean.revisions, and importing the
    # whole pipeline (pandera, the readers) would cost it 0.2 s.
    if name in ("clean", "CleanFailed", "CleanResult"):
        from report.clean import pipeline

        return getattr(pipeline, name)
    if name == "freeze":
        from report.clean.revisions import freeze

        return freeze
    raise AttributeError(f"module 'report.clean' has no attribute {name!r}")
