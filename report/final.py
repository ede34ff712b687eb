"""The gate of a final edition: every reason it cannot be published yet, collected at once.

`monitor render --final` (or `status: final` in data/editie.yml) refuses while this list is not
empty; without it the same reasons are warnings. More checks are added to FINAL_CHECKS.
"""

from __future__ import annotations

from collections.abc import Callable

from report.project import Project


def _status_reasons(project: Project) -> list[str]:
    from report.status import compute

    return compute(project).reasons()


# Each check returns sentences that say what stands in the way and what to do about it.
FINAL_CHECKS: list[Callable[[Project], list[str]]] = [_status_reasons]


def final_reasons(project: Project) -> list[str]:
    reasons: list[str] = []
    for check in FINAL_CHECKS:
        reasons.extend(check(project))
    return reasons
