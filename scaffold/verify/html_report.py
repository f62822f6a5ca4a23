"""`--format html`: one self-contained page (inline CSS and JS, nothing fetched) — the platform's subjects by
checklist sections as a heat map. A cell takes the colour of its worst item; clicking it opens the findings with
their evidence (file:line), fix, and the `scaffold attest` command where a person must answer. Filters narrow the
rows by owner (service.yaml `owner`) and by status. Everything from the repo is escaped (jinja2 autoescape), and
the same findings give the same bytes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jinja2

from scaffold import __version__
from scaffold.verify.model import Check, Finding, Status, attest_hint

# Worst first (reporters.RANK), with the CSS class and the label each status shows under.
STATUS_VIEW = {
    Status.FAIL: ("fail", "fail"),
    Status.STALE: ("stale", "stale"),
    Status.NEEDS_EVIDENCE: ("evidence", "needs evidence"),
    Status.NEEDS_HUMAN: ("human", "needs a human"),
    Status.WAIVED: ("waived", "waived"),
    Status.PASS: ("pass", "pass"),
    Status.NOT_APPLICABLE: ("na", "not applicable"),
}
ASKS_A_PERSON = (Status.NEEDS_HUMAN, Status.NEEDS_EVIDENCE, Status.STALE)
UNOWNED = "(no owner)"


@dataclass(frozen=True)
class Shown:
    finding: Finding
    title: str
    where: str
    attest: str | None


@dataclass(frozen=True)
class Cell:
    id: str
    status: str  # css class of the worst status, "" when the subject has no item in the section
    counts: list[tuple[str, int]]  # (css class, count) worst first
    statuses: str  # space-separated css classes present, for the status filter
    findings: list[Shown]


@dataclass(frozen=True)
class Row:
    subject: str
    owner: str
    statuses: str
    cells: list[Cell]


_PAGE = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>scaffold verify — {{ summary }}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1f2328; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
.summary { color: #57606a; margin-bottom: 1rem; }
.filters { display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; margin-bottom: 1rem; }
.filters label { margin-right: .6rem; white-space: nowrap; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: .35rem .5rem; text-align: center; }
th.subject { text-align: left; font-weight: 600; white-space: nowrap; }
th.section { font-weight: 600; font-size: .8rem; max-width: 9rem; }
td.cell { cursor: pointer; min-width: 4rem; font-size: .8rem; }
td.cell:focus, td.cell.open { outline: 3px solid #0969da; outline-offset: -3px; }
.fail { background: #cf222e; color: #fff; }
.stale { background: #8250df; color: #fff; }
.evidence { background: #1b7c83; color: #fff; }
.human { background: #d4a72c; color: #1f2328; }
.waived { background: #0969da; color: #fff; }
.pass { background: #2da44e; color: #fff; }
.na { background: #eaeef2; color: #57606a; }
td.empty { background: #fff; cursor: default; }
.owner { color: #57606a; font-weight: 400; font-size: .8rem; }
#details { margin-top: 1.2rem; max-width: 70rem; }
.finding { border-left: 6px solid #d0d7de; padding: .4rem .8rem; margin: .5rem 0; background: #f6f8fa; }
.finding.fail { border-color: #cf222e; } .finding.stale { border-color: #8250df; }
.finding.evidence { border-color: #1b7c83; } .finding.human { border-color: #d4a72c; }
.finding.waived { border-color: #0969da; } .finding.pass { border-color: #2da44e; }
.finding.na { border-color: #afb8c1; }
.finding { color: #1f2328; }
.finding .id { font-weight: 600; }
code { font: 12px ui-monospace, monospace; background: #eaeef2; padding: 0 .2rem; }
[hidden] { display: none !important; }
</style>
</head>
<body>
<h1>scaffold verify</h1>
<div class="summary">{{ summary }} · scaffold {{ version }}</div>
<div class="filters">
  <div>Owner
    <select id="owner-filter">
      <option value="">all</option>
{% for owner in owners %}
      <option value="{{ owner }}">{{ owner }}</option>
{% endfor %}
    </select>
  </div>
  <div>Status
{% for css, label in statuses %}
    <label><input type="checkbox" class="status-filter" value="{{ css }}" checked> {{ label }}</label>
{% endfor %}
  </div>
</div>
<table id="heatmap">
<thead><tr><th class="subject">subject</th>
{% for section in sections %}<th class="section">{{ section }}</th>{% endfor %}
</tr></thead>
<tbody>
{% for row in rows %}
<tr class="subject-row" data-owner="{{ row.owner }}" data-statuses="{{ row.statuses }}">
<th class="subject">{{ row.subject }} <span class="owner">{{ row.owner }}</span></th>
{% for cell in row.cells %}
{% if cell.status %}
<td class="cell {{ cell.status }}" tabindex="0" data-cell="{{ cell.id }}" data-statuses="{{ cell.statuses }}">
{%- for css, n in cell.counts %}{{ n }} {{ css }}{% if not loop.last %} · {% endif %}{% endfor -%}
</td>
{% else %}
<td class="empty"></td>
{% endif %}
{% endfor %}
</tr>
{% endfor %}
</tbody>
</table>
<div id="details">
<p id="hint">Click a cell to see its findings.</p>
{% for row in rows %}{% for cell in row.cells %}{% if cell.status %}
<section class="cell-details" id="{{ cell.id }}" hidden>
<h2>{{ row.subject }} — {{ sections[loop.index0] }}</h2>
{% for shown in cell.findings %}
<div class="finding {{ css_of[shown.finding.status] }}">
  <div><span class="id">{{ shown.finding.check_id }}</span> {{ shown.title }} —
    <b>{{ label_of[shown.finding.status] }}</b></div>
  <div class="message">{{ shown.finding.message }}</div>
{% if shown.where %}  <div>evidence: <code class="where">{{ shown.where }}</code></div>
{% endif %}
{% if shown.finding.fix %}  <div>fix: {{ shown.finding.fix }}</div>
{% endif %}
{% if shown.finding.waiver %}{% set waiver = shown.finding.waiver %}
  <div>waived by {{ waiver.owner }} ({{ waiver.ticket }}, until {{ waiver.expires }}): {{ waiver.reason }}</div>
{% endif %}
{% if shown.attest %}  <div>record: <code class="attest">{{ shown.attest }}</code></div>
{% endif %}
</div>
{% endfor %}
</section>
{% endif %}{% endfor %}{% endfor %}
</div>
<script>
(function () {
  var open = null;
  function show(cell) {
    if (open) { open.classList.remove("open"); document.getElementById(open.dataset.cell).hidden = true; }
    open = cell;
    cell.classList.add("open");
    document.getElementById(cell.dataset.cell).hidden = false;
    document.getElementById("hint").hidden = true;
  }
  document.querySelectorAll("td.cell").forEach(function (cell) {
    cell.addEventListener("click", function () { show(cell); });
    cell.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { show(cell); } });
  });
  function filter() {
    var owner = document.getElementById("owner-filter").value;
    var wanted = Array.prototype.map.call(
      document.querySelectorAll(".status-filter:checked"), function (box) { return box.value; });
    document.querySelectorAll("tr.subject-row").forEach(function (row) {
      var has = row.dataset.statuses.split(" ").some(function (s) { return wanted.indexOf(s) >= 0; });
      row.hidden = (owner !== "" && row.dataset.owner !== owner) || !has;
    });
  }
  document.getElementById("owner-filter").addEventListener("change", filter);
  document.querySelectorAll(".status-filter").forEach(function (box) { box.addEventListener("change", filter); });
})();
</script>
</body>
</html>
"""
)


def _subject_key(subject: str) -> tuple[int, str]:
    order = ("repo", "service", "endpoint", "event", "job", "integration")
    kind = subject.split(":", 1)[0]
    return (order.index(kind) if kind in order else len(order), subject)


def render_html(
    findings: Sequence[Finding],
    *,
    checks: Mapping[str, Check],
    summary: str,
    rank: Sequence[Status],
    owners: Mapping[str, str] | None = None,
) -> str:
    owners = owners or {}
    check_order = {check_id: index for index, check_id in enumerate(checks)}
    sections: list[str] = []
    for check in checks.values():
        if check.section not in sections:
            sections.append(check.section)
    if any(f.check_id not in checks for f in findings):
        sections.append("Other")

    def section_of(finding: Finding) -> str:
        check = checks.get(finding.check_id)
        return check.section if check else "Other"

    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        by_cell.setdefault((finding.subject or "repo", section_of(finding)), []).append(finding)
    subjects = sorted({subject for subject, _ in by_cell}, key=_subject_key)
    used = [s for s in sections if any((subject, s) in by_cell for subject in subjects)]
    rows = []
    for row_index, subject in enumerate(subjects):
        cells = []
        row_statuses: set[str] = set()
        for column, section in enumerate(used):
            group = sorted(
                by_cell.get((subject, section), []),
                key=lambda f: (rank.index(f.status), check_order.get(f.check_id, len(check_order))),
            )
            if not group:
                cells.append(Cell("", "", [], "", []))
                continue
            counts = Counter(STATUS_VIEW[f.status][0] for f in group)
            ordered = [(STATUS_VIEW[s][0], counts[STATUS_VIEW[s][0]]) for s in rank if counts[STATUS_VIEW[s][0]]]
            row_statuses.update(counts)
            shown = [
                Shown(
                    f,
                    checks[f.check_id].title if f.check_id in checks else "",
                    (f"{f.file}:{f.line}" if f.line else f.file) if f.file else "",
                    attest_hint(f) if f.status in ASKS_A_PERSON else None,
                )
                for f in group
            ]
            statuses = " ".join(css for css, _ in ordered)
            cells.append(Cell(f"cell-{row_index}-{column}", ordered[0][0], ordered, statuses, shown))
        owner = owners.get(subject, UNOWNED)
        rows.append(Row(subject, owner, " ".join(sorted(row_statuses)), cells))
    return _PAGE.render(
        summary=summary,
        version=__version__,
        owners=sorted({row.owner for row in rows}),
        statuses=[STATUS_VIEW[s] for s in rank],
        sections=used,
        rows=rows,
        css_of={s: v[0] for s, v in STATUS_VIEW.items()},
        label_of={s: v[1] for s, v in STATUS_VIEW.items()},
    )
