"""Checks on uploaded documents: size, type by magic bytes, and a display name that cannot hurt.

The client's content type and file extension are never trusted: the type is read from the first bytes of the file,
the file is stored under a random name, and the original name is kept (sanitised) for display only.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

MAX_SIZE = 10 * 1024 * 1024  # 10 MB
MAX_NAME = 120

# (magic prefix, verified content type, extension of the stored file)
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
TEXT = ("text/plain", ".txt")
_MARKUP = re.compile(r"<\s*(!doctype|html|head|body|script|svg|\?xml|iframe|meta|object|embed)\b", re.IGNORECASE)
ACCEPTED_LABEL = "PDF, PNG, JPEG ou texte brut"


def sniff(content: bytes) -> tuple[str, str] | None:
    """The verified (content type, extension) of ``content``, or None when it is not an accepted type."""
    for magic, content_type, extension in _SIGNATURES:
        if content.startswith(magic):
            return content_type, extension
    # Plain text: valid UTF-8, no NUL byte and no other control character than tab, newlines and form feed.
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text or any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text):
        return None
    # Markup (HTML, SVG, XML) is not plain text: a browser could run it if it were ever shown inline.
    if _MARKUP.match(text.lstrip("\ufeff \t\r\n")):
        return None
    return TEXT


def random_name(extension: str) -> str:
    return f"{secrets.token_hex(16)}{extension}"


def sanitise_name(name: str) -> str:
    """The original name for display: no directory part, no control character, at most 120 characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME]
    return name or "document"
