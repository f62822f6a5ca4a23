"""Markdown documents (README, RUNBOOK, ADRs, changesets): headings with lines and the text of each section.

    doc = parse_markdown(text)
    doc.headings                          # [Heading(level, title, line)] — ATX (`## x`) and setext headings
    doc.section("Run locally")            # Section(heading, body, line): text up to the next heading of level <= its
    doc.front_matter                      # the `---` YAML block at the top, as text (or None)
    doc.preamble                          # text before the first heading (after front matter)

Fenced code blocks are skipped when looking for headings. Nothing here knows the platform layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    line: int  # 1-based


@dataclass(frozen=True)
class Section:
    heading: Heading
    body: str  # text below the heading up to the next heading of the same or a higher level
    line: int  # the heading's line


@dataclass(frozen=True)
class MarkdownDoc:
    lines: tuple[str, ...]
    headings: tuple[Heading, ...]
    front_matter: str | None
    body_start: int  # 0-based index of the first line after the front matter

    @property
    def preamble(self) -> str:
        end = self.headings[0].line - 1 if self.headings else len(self.lines)
        return "\n".join(self.lines[self.body_start : end]).strip()

    def sections(self) -> list[Section]:
        found = []
        for index, heading in enumerate(self.headings):
            end = len(self.lines)
            for later in self.headings[index + 1 :]:
                if later.level <= heading.level:
                    end = later.line - 1
                    break
            start = heading.line  # the line after an ATX heading (setext headings end one line later)
            body_lines = self.lines[start:end]
            if body_lines and _SETEXT.match(body_lines[0]) and heading.level in (1, 2):
                body_lines = body_lines[1:]
            found.append(Section(heading, "\n".join(body_lines).strip(), heading.line))
        return found

    def section(self, title: str, *, prefix: bool = False) -> Section | None:
        """The first section whose heading equals `title` (case-insensitive), or starts with it if `prefix`."""
        wanted = title.strip().lower()
        for section in self.sections():
            have = section.heading.title.lower()
            if have == wanted or (prefix and have.startswith(wanted)):
                return section
        return None


def parse_markdown(text: str) -> MarkdownDoc:
    lines = tuple(text.splitlines())
    front_matter: str | None = None
    body_start = 0
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() in {"---", "..."}:
                front_matter = "\n".join(lines[1:index])
                body_start = index + 1
                break
    headings: list[Heading] = []
    fence: str | None = None
    for index in range(body_start, len(lines)):
        line = lines[index]
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is not None:
            continue
        atx = _ATX.match(line)
        if atx:
            headings.append(Heading(len(atx.group(1)), (atx.group(2) or "").strip(), index + 1))
            continue
        setext = _SETEXT.match(line)
        previous = lines[index - 1].strip() if index > body_start else ""
        if (
            setext
            and previous
            and not _ATX.match(lines[index - 1])
            and not _FENCE.match(lines[index - 1])
            and (not headings or headings[-1].line != index)
        ):
            headings.append(Heading(1 if setext.group(1)[0] == "=" else 2, previous, index))
    return MarkdownDoc(lines, tuple(headings), front_matter, body_start)


# --- labelled values inside a section (RUNBOOK's `Dashboard: <link>`, `Remediation:` + steps) --------------
def labelled(body: str, label: str) -> str | None:
    """The text given under `label` in a section body, or None when the label is absent.

    Recognises `Label: value`, `**Label:** value`, `- Label: value` and a sub-heading `### Label`; the value is
    the rest of that line plus the lines after it up to a blank line (or, for a sub-heading, the next heading)."""
    inline = re.compile(
        rf"^\s*(?:[-*+]\s+)?(?:\*\*|__)?{re.escape(label)}(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$", re.I
    )
    lines = body.splitlines()
    for index, line in enumerate(lines):
        heading = _ATX.match(line)
        if heading and (heading.group(2) or "").strip().rstrip(":").lower() == label.lower():
            rest = []
            for following in lines[index + 1 :]:
                if _ATX.match(following):
                    break
                rest.append(following)
            return "\n".join(rest).strip()
        match = inline.match(line)
        if match and not heading:
            value = [match.group(1)]
            for following in lines[index + 1 :]:
                if not following.strip() or inline.match(following) or _ATX.match(following):
                    break
                value.append(following)
            return "\n".join(value).strip()
    return None
