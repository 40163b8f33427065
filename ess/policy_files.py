"""Reading the company's policy files: parsed once, and again only when the file changes on disk."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, TypeVar

Policy = TypeVar("Policy")
_parsed: dict[tuple[str, float], object] = {}


def read_policy(path: str | Path, parse: Callable[[str, str], Policy], missing: Exception) -> Policy:
    """`parse(text, source)` of the file at `path`, cached by modification time; `missing` is raised when absent."""
    path = Path(path)
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        raise missing from None
    key = (str(path), stamp)
    if key not in _parsed:
        _parsed[key] = parse(path.read_text(encoding="utf-8"), str(path))
    return _parsed[key]
