"""TSX (TypeScript with JSX) through tree-sitter's tsx grammar, as a `ParsedTs`: every helper of
`scaffold.parsers.typescript` (calls, imports, strings, ...) works on the result."""

from __future__ import annotations

from functools import lru_cache

import tree_sitter_typescript as tsts
from tree_sitter import Language, Parser

from scaffold.parsers.typescript import ParsedTs


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(Language(tsts.language_tsx()))


def parse_tsx(text: str) -> ParsedTs:
    source = text.encode("utf-8", errors="replace")
    return ParsedTs(source, _parser().parse(source))
