"""The clean stage: raw deliveries (data/raw) → validated clean observations (data/clean).

Public: `clean(project)` and `freeze(project, edition)`; the rest is private machinery.
"""

from report.clean.pipeline import CleanFailed, CleanResult, clean
from report.clean.revisions import freeze

__all__ = ["clean", "freeze", "CleanFailed", "CleanResult"]
