"""Uploaded files: their type is read from their first bytes, never taken from the upload's label."""
from __future__ import annotations

import re
from collections.abc import Iterable

# content type → (file extension, test of the first bytes)
SIGNATURES = {
    "application/pdf": (".pdf", lambda b: b.startswith(b"%PDF-")),
    "image/png": (".png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/jpeg": (".jpg", lambda b: b.startswith(b"\xff\xd8\xff")),
    "image/gif": (".gif", lambda b: b[:6] in (b"GIF87a", b"GIF89a")),
    "image/webp": (".webp", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"),
}


def sniff(data: bytes, allowed: Iterable[str]) -> str | None:
    """The content type of `data` among `allowed`, or None when it is none of them."""
    return next((kind for kind in allowed if kind in SIGNATURES and SIGNATURES[kind][1](data)), None)


def safe_filename(name: str | None, content_type: str, default: str = "file") -> str:
    """A file name without folders or odd characters, ending in the extension its sniffed type has."""
    name = (name or default).replace("\\", "/").rsplit("/", 1)[-1]
    stem = re.sub(r"[^\w.-]+", "-", name.rsplit(".", 1)[0]).strip("-.")[:80] or default
    return stem + SIGNATURES[content_type][0]
