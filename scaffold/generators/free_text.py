"""Free-text answers (summaries, descriptions, owners, partner names, redirect URIs, enum values …): what they may
hold, and the one way each is written into TypeScript.

Every such answer is one line of visible text: control and format characters (CR, LF, NUL, U+2028/U+2029, the
bidi overrides U+202A–202E and isolates U+2066–2069, zero-width characters, any other Unicode Cc/Cf/Zl/Zp, lone
surrogates) are refused — one line and exit 2 from a flag, asked again on a terminal (`questions.text`). They end
comments, split YAML and Markdown lines, or show readers code that differs from what runs.

Into TypeScript, text goes through `ts_string` (a string literal: JSON's string rules, plus U+2028/U+2029 and every
other refused character escaped, so `C:\\temp` stays a backslash and a trailing backslash cannot end the string
early) or `ts_comment` (the body of a `//` comment: nothing in it can end the line). scaffold's own Jinja
environments get both as filters (`register_filters`). The copier templates render in copier's sandbox, which runs
no scaffold code without `--trust`: there, a string uses Jinja's `tojson` (JSON with every non-ASCII character
escaped — a TypeScript string by the same rules) and a comment gets a value the generator passed through
`ts_comment` (tests/security/test_answer_injection.py keeps the templates to that).
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from scaffold.errors import ScaffoldError

# Cc control, Cf format (bidi, zero-width, BOM, tags), Zl/Zp the line and paragraph separators, Cs lone surrogates.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_SHOWN = {"\r": "a carriage return (CR)", "\n": "a line break (LF)", "\t": "a tab", "\0": "a NUL character"}


def _refused(character: str) -> bool:
    return unicodedata.category(character) in REFUSED_CATEGORIES


def problem(text: str) -> str | None:
    """Why `text` is not one line of visible text, or None when it is."""
    for index, character in enumerate(text):
        if _refused(character):
            name = _SHOWN.get(character) or f"U+{ord(character):04X} {unicodedata.name(character, 'a control code')}"
            return f"holds {name} at position {index + 1}; give one line of visible text"
    return None


def check_line(label: str, value: str, *, required: bool = True) -> None:
    """Raise ScaffoldError (one line, exit 2) unless `value` is one line of visible text (non-blank if required)."""
    if required and not value.strip():
        raise ScaffoldError(f"{label} must be a non-empty single line")
    found = problem(value)
    if found:
        raise ScaffoldError(f"{label} {value!r} {found}")


def validate_question(value: str) -> bool | str:
    """questionary's `validate=`: True, or the message to show while the answer is refused."""
    found = problem(value)
    return True if found is None else f"This answer {found}"


def _escape(character: str) -> str:
    code = ord(character)
    if code > 0xFFFF:  # a format character outside the BMP (tags): its UTF-16 surrogate pair, as JSON writes it
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def ts_string(text: str) -> str:
    """`text` as a double-quoted TypeScript string literal that evaluates back to exactly `text`."""
    quoted = json.dumps(text, ensure_ascii=False)  # escapes ", \\ and U+0000–U+001F
    return "".join(_escape(c) if _refused(c) else c for c in quoted)


def ts_comment(text: str) -> str:
    """`text` for the rest of a `//` comment line: every refused character shown as its `\\uXXXX` escape, so no
    CR, LF or U+2028/U+2029 can end the comment and turn what follows into code."""
    return "".join(_escape(c) if _refused(c) else c for c in text)


def register_filters(environment: Any) -> Any:
    """Give a Jinja environment the `ts_string` and `ts_comment` filters; returns it."""
    environment.filters["ts_string"] = ts_string
    environment.filters["ts_comment"] = ts_comment
    return environment
