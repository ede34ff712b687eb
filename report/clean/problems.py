"""Problems found in raw files: where (file, sheet, row, column), what was found, what was expected."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: int  # as a spreadsheet numbers it (1 = first line of the file); 0 = the whole file
    column: str
    value: str
    expected: str
    sheet: str = ""
    hint: str = ""
    warning: bool = False
    # The whole file is unusable (unreadable, wrong header): `--allow-rejections` does not pass it.
    whole_file: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        where = self.file + (f", sheet {self.sheet!r}" if self.sheet else "")
        if self.row:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        if self.warning:
            return f"{where}: {self.expected}"
        found = f"found {self.value!r}, " if self.value != "" or self.row else ""
        text = f"{where}: {found}expected {self.expected}"
        return text + (f"; {self.hint}" if self.hint else "")


def did_you_mean(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(value.lower(), [o.lower() for o in options], n=1, cutoff=0.6)
        close = [next(o for o in options if o.lower() == close[0])] if close else []
    return f"did you mean {close[0]!r}?" if close else ""


class ProblemList(list):
    """Problems of one run, collected so they can be shown together."""

    def add(self, **kwargs) -> None:
        self.append(Problem(**kwargs))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self if p.warning]
