"""Reproducible transcription: report text + catalogue -> one CSV per table + resolution log.

Run ``ladder extract REPORT.txt`` (``--only ID`` for one table). The CSVs keep
every figure exactly as printed (thousands separator, comma decimals, %, +, markers);
every choice the text did not settle by itself is written to ``sources/resolution_log.csv``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import PERCENT_STATS, Table, load_catalogue
from .separators import is_value_token, split_row
from .files import SourceError, read_text

LOG_FIELDS = ["table", "row", "column", "kind", "choice", "reason"]


@dataclass
class Extracted:
    table: Table
    rows: list[tuple[str, str | None, dict[str, str]]] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)


def _kind(stat: str) -> str:
    return "percent" if stat in PERCENT_STATS else ("decimal" if stat == "decimal" else "count")


def normalise(text: str) -> str:
    return " ".join(text.split())


def body_lines(table: Table, report: list[str]) -> list[str]:
    """The non-blank report lines of the table body, header lines listed in ``skip`` removed."""
    ranges = table.extract.get("lines")
    if not ranges:
        raise SourceError(table.path, None, "extract.lines (report line ranges of the body) is required")
    skip = {normalise(s) for s in table.extract.get("skip") or []}
    out = []
    for start, end in ranges:
        if not 1 <= start <= end <= len(report):
            raise SourceError(table.path, None, f"extract.lines range {start}-{end} outside the report (1-{len(report)})")
        for line in report[start - 1 : end]:
            text = normalise(line)
            if text and text not in skip:
                out.append(text)
    return out


def _split_label(line: str) -> tuple[str, list[str]]:
    """Label = text before the trailing run of value tokens."""
    words = line.split(" ")
    i = len(words)
    while i > 0 and is_value_token(words[i - 1]):
        i -= 1
    return " ".join(words[:i]), words[i:]


def _row_chunks(table: Table, lines: list[str]) -> list[tuple[str, str | None, list[str]]]:
    if not table.rows:
        chunks = []
        for line in lines:
            label, tokens = _split_label(line)
            if not label:
                raise SourceError(table.path, None, f"body line has no row label: {line!r}")
            chunks.append((label, None, tokens))
        return chunks
    stream = " ".join(lines)
    starts = []
    pos = 0
    for row in table.rows:
        printed = normalise(row.printed)
        at = stream.find(printed, pos)
        if at < 0:
            raise SourceError(table.path, None, f"row {row.label!r}: printed text {printed!r} not found in the body")
        starts.append((at, at + len(printed)))
        pos = at + len(printed)
    chunks = []
    for k, row in enumerate(table.rows):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(stream)
        tokens = stream[starts[k][1] : end].split()
        chunks.append((row.label, row.code, tokens))
    return chunks


def extract_table(table: Table, report: list[str]) -> Extracted:
    out = Extracted(table)
    sparse = {s["row"]: s for s in table.extract.get("sparse") or []}
    manual = {s["row"]: s for s in table.extract.get("separators") or []}
    for note in table.extract.get("log") or []:
        out.log.append({"table": table.id, "row": note.get("row", ""), "column": note.get("column", ""),
                        "kind": note["kind"], "choice": note["choice"], "reason": note["reason"]})
    labels = [c.label for c in table.columns]
    for label, code, tokens in _row_chunks(table, body_lines(table, report)):
        present = labels
        if label in sparse:
            present = list(sparse[label]["present"])
            unknown = set(present) - set(labels)
            if unknown:
                raise SourceError(table.path, None, f"row {label!r}: sparse columns {sorted(unknown)} not in the table")
            out.log.append({"table": table.id, "row": label, "column": "; ".join(c for c in labels if c not in present),
                            "kind": "dropped blank cells", "choice": "left blank",
                            "reason": sparse[label]["reason"]})
        if label in manual:
            cells = tuple(str(v) for v in manual[label]["values"])
            if " ".join(cells).split() != tokens:
                raise SourceError(table.path, None, f"row {label!r}: manual separator values do not spell the printed tokens {tokens}")
            out.log.append({"table": table.id, "row": label, "column": "", "kind": "ambiguous separator (manual)",
                            "choice": " | ".join(cells), "reason": manual[label]["reason"]})
        else:
            kinds = [_kind(table.row_stat(label) or table.column(c).stat) for c in present]
            split = split_row(tokens, kinds)
            if split is None:
                raise SourceError(table.path, None,
                                  f"row {label!r}: {len(tokens)} printed tokens {tokens} cannot fill the {len(present)} columns {present}")
            cells = split.cells
            if split.alternatives > 1:
                out.log.append({"table": table.id, "row": label, "column": "",
                                "kind": "ambiguous separator",
                                "choice": " | ".join(cells),
                                "reason": f"{split.alternatives} splits fit the {len(present)} columns; "
                                          "kept the one with the smallest largest figure"})
        values = dict(zip(present, cells))
        out.rows.append((label, code, {c: values.get(c, "") for c in labels}))
    return out


def write_csv(ex: Extracted) -> None:
    table = ex.table
    has_code = any(code for _, code, _ in ex.rows)
    header = ["row"] + (["code"] if has_code else []) + [c.label for c in table.columns]
    table.data_path.parent.mkdir(parents=True, exist_ok=True)
    with table.data_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for label, code, cells in ex.rows:
            writer.writerow([label] + ([code or ""] if has_code else []) + [cells[c.label] for c in table.columns])


def run(report_path: Path, sources: Path, only: set[str] | None = None) -> list[Extracted]:
    report = read_text(report_path).splitlines()
    results = []
    for table in load_catalogue(sources):
        if not table.available or (only and table.id not in only):
            continue
        ex = extract_table(table, report)
        write_csv(ex)
        results.append(ex)
    if not only:
        with (sources / "resolution_log.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=LOG_FIELDS, lineterminator="\n")
            writer.writeheader()
            for ex in results:
                writer.writerows(ex.log)
    return results
