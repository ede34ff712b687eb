"""One finding of `monitor check`: where, what, how bad, and what to do about it."""

from __future__ import annotations

import dataclasses

ERROR = "error"
WARNING = "warning"
ACCEPTED = "accepted"  # a finding an editor accepted with a marker in the source (listed, not counted)

# The kinds of finding, in the order the output lists them.
KINDS = ("markup", "unfinished", "causal", "numbers", "direction", "style")


@dataclasses.dataclass(frozen=True)
class Finding:
    file: str  # project-relative path
    line: int  # 1-based (0: the file as a whole)
    column: int  # 1-based (0: the line as a whole)
    text: str  # the offending text, as written
    kind: str  # one of KINDS
    severity: str  # ERROR, WARNING or ACCEPTED
    message: str  # what is wrong, in one sentence
    suggestion: str = ""  # what to write instead

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, KINDS.index(self.kind), self.message)
