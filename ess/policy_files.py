"""Reading the company's policy files: parsed once, and again only when the file changes on disk."""
from __future__ import annotations

import os
from pathlib import Path
from time import monotonic
from typing import Callable, TypeVar

Policy = TypeVar("Policy")
# A page asks for the leave policy once per row it shows; looking at the file's time each time cost more than
# the rest of the lookup. A changed file is still seen within a second.
RECHECK_SECONDS = 1.0
_parsed: dict[tuple[str, float], object] = {}
_checked: dict[str, tuple[float, float]] = {}  # path → (when we looked, modification time seen)


def read_policy(path: str | Path, parse: Callable[[str, str], Policy], missing: Exception) -> Policy:
    """`parse(text, source)` of the file at `path`, cached by modification time; `missing` is raised when absent."""
    name = os.fspath(path)
    now = monotonic()
    seen = _checked.get(name)
    if seen is None or now - seen[0] >= RECHECK_SECONDS or (name, seen[1]) not in _parsed:
        try:
            seen = (now, os.stat(name).st_mtime)
        except FileNotFoundError:
            _checked.pop(name, None)
            raise missing from None
        _checked[name] = seen
    key = (name, seen[1])
    if key not in _parsed:
        _parsed[key] = parse(Path(name).read_text(encoding="utf-8"), name)
    return _parsed[key]
