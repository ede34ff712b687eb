"""The live numbers editors can use, read back from ``_variables.yml`` (what {{< var >}} sees)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

# Facts that are amounts (years and words are not compared with typed numbers).
NUMBER_FACTS = ("waarde", "vorige_waarde", "eerste_waarde", "verschil", "verschil_procent")


@dataclasses.dataclass(frozen=True)
class Series:
    key: str  # "ind.inbeslagnames_nl.kg.cocaine" (regional: "...amsterdam")
    indicator: str
    facts: dict[str, str]  # fact → formatted value as in _variables.yml

    @property
    def direction(self) -> str:
        """'up', 'down', 'flat' or '' (unknown) from the richting fact."""
        word = self.facts.get("richting", "")
        return {"meer": "up", "hoger": "up", "minder": "down", "lager": "down", "vrijwel gelijk": "flat"}.get(
            word, ""
        )


def all_series(variables: dict[str, Any]) -> dict[str, Series]:
    out: dict[str, Series] = {}

    def walk(node: Any, path: list[str]) -> None:
        if not isinstance(node, dict):
            return
        if "waarde" in node and not isinstance(node["waarde"], dict):
            key = ".".join(path)
            out[key] = Series(key, path[1], {k: str(v) for k, v in node.items() if not isinstance(v, dict)})
            return
        for k, v in node.items():
            walk(v, [*path, str(k)])

    walk(variables.get("ind"), ["ind"])
    return out


_NL_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{3})*(?:,\d+)?$|^\d+(?:,\d+)?$")
_EN_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})*(?:\.\d+)?$|^\d+(?:\.\d+)?$")


def parse_number(text: str, lang: str = "nl") -> tuple[float, int] | None:
    """'45.312' → (45312, 0); '12,5' → (12.5, 1) in Dutch; English separators for 'en'."""
    text = text.strip().lstrip("+").replace("\u2212", "")
    if lang == "en":
        if not _EN_NUMBER.match(text):
            return None
        whole, _, frac = text.replace(",", "").partition(".")
    else:
        if not _NL_NUMBER.match(text):
            return None
        whole, _, frac = text.replace(".", "").partition(",")
    return float(f"{whole}.{frac}" if frac else whole), len(frac)
