"""The gate of a final edition: every reason it cannot be published yet, collected at once.

`monitor render --final` (or `status: final` in data/editie.yml) refuses while this list is not
empty; without it the same reasons are warnings. More checks are added to FINAL_CHECKS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from report.errors import MonitorError
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


@dataclass(frozen=True)
class Gate:
    final: bool
    reasons: list[str]
    status_known: bool = True

    @property
    def refuses(self) -> bool:
        return self.final and bool(self.reasons)

    def refusal(self) -> str:
        lines = "\n".join(f"  - {r}" for r in self.reasons)
        return (
            f"not a final edition yet ({len(self.reasons)} reason(s)); nothing rendered:\n{lines}\n"
            "A delivery that will not come: record why as `not_delivered: {<year>: <reason>}` under "
            "its source in data/sources.yml."
        )

    def warning(self) -> str:
        if not self.status_known:
            return self.reasons[0]
        return (
            f"{len(self.reasons)} thing(s) stand in the way of a final edition (listed in the status "
            "after the render); `monitor render --final` refuses them"
        )


def final_gate(project: Project, final: bool) -> Gate:
    """The reasons against a final edition; final also when data/editie.yml says status: final."""
    from report.edition import load_edition

    final = final or load_edition(project).status == "final"
    try:
        return Gate(final, final_reasons(project))
    except MonitorError as exc:
        if final:
            raise
        # A draft renders even when the status cannot be worked out; it says why.
        return Gate(final, [f"the status of the edition could not be worked out: {exc}"], status_known=False)
