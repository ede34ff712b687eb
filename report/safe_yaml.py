"""YAML from files authors and suppliers edit, read with bounds.

A safe loader constructs no objects, but an anchor that refers to anchors that refer to anchors
(a 'YAML bomb') makes a document of a few hundred bytes into billions of nodes for whatever walks
it next (validation, a copy). The configuration files of a monitor never need that: a file is
refused when it is larger than MAX_BYTES, uses more than MAX_ALIASES aliases ('*name'), or its
aliases written out would make more than MAX_NODES values.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from report.errors import MonitorError

MAX_BYTES = 5_000_000
MAX_ALIASES = 100
MAX_NODES = 1_000_000
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_bounds(text: str, path: Path | str) -> None:
    """MonitorError when the YAML text is too large or uses too many aliases."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise MonitorError(
            f"{path}: {size / 1e6:.1f} MB of YAML; a configuration file has at most {MAX_BYTES / 1e6:.0f} MB"
        )
    if "*" not in text:
        return
    aliases = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    line = event.start_mark.line + 1 if event.start_mark else 0
                    raise MonitorError(
                        f"{path}, line {line}: more than {MAX_ALIASES} YAML aliases ('*name'); anchors that "
                        "refer to anchors can expand without bound (a 'YAML bomb'): write the values out"
                    )
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return  # the loader reports it with its line
    size = _expanded_size(node, {})
    if size > MAX_NODES:
        raise MonitorError(
            f"{path}: its aliases ('*name') expand to {size:,} values".replace(",", ".")
            + f"; a configuration file has at most {MAX_NODES:,}".replace(",", ".")
            + " (anchors that refer to anchors: a 'YAML bomb'): write the values out"
        )


def _expanded_size(node, memo: dict[int, int]) -> int:
    """How many values the document has once every alias is written out (counted, not expanded)."""
    if node is None:
        return 0
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a node that contains itself (a recursive alias) counts once
    if isinstance(node, yaml.SequenceNode):
        total = 1 + sum(_expanded_size(n, memo) for n in node.value)
    elif isinstance(node, yaml.MappingNode):
        total = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    else:
        total = 1
    memo[key] = min(total, 10 * MAX_NODES)
    return memo[key]


def safe_load(text: str, path: Path | str):
    check_bounds(text, path)
    return yaml.load(text, Loader=_Loader)
