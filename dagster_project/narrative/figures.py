"""Every figure printed in the report's body text, with its line, sentence, section and the source it names.

The body (report lines before the appendix) is read paragraph by paragraph: a PDF line wrap or a page
break inside a sentence does not cut it. Table bodies the catalogue transcribes are skipped (their
cells are checked as tables). A figure is a count with '.' thousands, a percentage (or %-point), a
signed count or percentage, or a plain number followed by a counting noun ('533 plaatsen'). A footnote
number glued to a figure ('45.80220', '74,1%4') is split off and kept.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

FIELDS = ["id", "line", "section", "figure", "kind", "value", "rounding", "footnote", "source", "sentence",
          "before"]

NOUNS = (r"personen|persoon|nwwz|plaatsen|werknemers|medewerkers|zelfstandigen|loontrekkenden|jongeren|"
         r"deelnemers|VTE|trajecten|organisaties|ondernemingen|bedrijven|maatwerkbedrijven|invaliden|"
         r"werkzoekenden|laaggeschoolden|wijk-werkers|overeenkomsten|ex-PWA'ers|nieuwe|mensen|dgwn|begeleiders|"
         r"activeringstrajecten|AZ-medewerkers|leerlingen|contracten|stages")
FIGURE = re.compile(
    r"(?<![\w.,/%-])"
    r"(?P<sign>[+-]\s?)?"
    r"(?:(?P<pct>\d{1,3}(?:,\d+)?)\s?%(?P<point>-punt)?(?P<pfn>\d{1,2}(?!\d))?"
    r"|(?P<dotted>\d{1,3}(?:\.\d{3})+)(?P<dfn>\d{1,2})?(?![\d.,]\d)"
    r"|(?P<plain>\d{1,4})(?![\d.,]\d|\s?%)(?=(?:\s|&)+(?:" + NOUNS + r")\b))")
SIGNED_PLAIN = re.compile(r"(?<![\w.,/%-])(?P<sign>[+-])\s?(?P<plain>\d{1,4})(?![\d.,%]|\s?jaar|-jarig)")
HEADING = re.compile(r"^\s*(?:(?P<num>\d\.\d(?:\.\d)?)\s+(?P<title>[A-Z].{3,})|(?P<deel>DEEL \d:.+|VOORWOORD))\s*$")
FOOTNOTE = re.compile(r"^(?P<n>\d{1,2})\s+\S")
SOURCES = ("VDAB", "RSZ", "RSVZ", "RVA", "RIZIV", "Statbel", "ADSEI", "FOD Economie", "Eurostat", "LFS",
           "Labour Force Survey", "Steunpunt WSE", "Steunpunt Werk", "Arvastat", "Departement WSE",
           "Departement Werk", "Departement Welzijn", "Vlaamse arbeidsrekening", "Graydon", "ESF", "VAPH",
           "Agentschap", "Vlaams Parlement", "Vlaamse Regering", "beleidsnota", "Regeerakkoord", "BVR", "decreet",
           "Departement Onderwijs", "SYNTRA", "VVSG", "Ronde Tafel Arbeidszorg", "Banenpact")


@dataclass
class Line:
    no: int
    text: str


def _number(figure: str) -> tuple[float, float]:
    core = figure.rstrip("%")
    sign = -1.0 if core.startswith("-") else 1.0
    core = core.lstrip("+-").replace(".", "")
    whole, _, dec = core.partition(",")
    return sign * float(f"{whole}.{dec or 0}"), 10.0 ** -len(dec)


def _paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Blank-line separated blocks; a block that ends mid-sentence continues in the next lowercase one."""
    blocks, cur = [], []
    for ln in lines:
        if ln.text.strip():
            cur.append(ln)
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    merged: list[list[Line]] = []
    pending: list[Line] | None = None
    for block in blocks:
        first = block[0].text.strip()
        if pending is not None and first[:1].islower():
            pending.extend(block)
            continue
        if FOOTNOTE.match(first) or first.startswith(("http", "|", "Figuur", "Bron")):
            merged.append(block)
            continue
        pending = block
        merged.append(block)
        if block[-1].text.rstrip().endswith((".", ":", "!", "?")):
            pending = None
    return merged


def _sentences(block: list[Line]) -> list[tuple[int, int, str]]:
    """(first line, last line, text) of each sentence of a paragraph; hyphenated line wraps are kept."""
    out, words, start = [], [], None
    for ln in block:
        for tok in ln.text.split():
            start = ln.no if start is None else start
            words.append(tok)
            if re.search(r"[.!?]['’)]?$", tok) and not re.fullmatch(r"(?:\w|art|vb|o\.a|t\.e\.m|nr|bv|m\.a\.w)\.", tok,
                                                                      re.I):
                out.append((start, ln.no, " ".join(words)))
                words, start = [], None
    if words:
        out.append((start, block[-1].no, " ".join(words)))
    return out


def _footnotes(lines: list[Line]) -> dict[int, str]:
    """Footnote number -> its text, for footnotes that start a line in the body."""
    notes: dict[int, str] = {}
    expected = 1
    for ln in lines:
        m = FOOTNOTE.match(ln.text.strip())
        if m and int(m.group("n")) in (expected, expected + 1):
            expected = int(m.group("n")) + 1
            notes[int(m.group("n"))] = ln.text.strip()[len(m.group("n")):].strip()
    return notes


def named_source(text: str) -> str:
    found = [s for s in SOURCES if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)]
    return ", ".join(found)


def extract(report: list[str], last_line: int, skip: list[tuple[int, int]]) -> list[dict]:
    """All figures of report lines 1..last_line outside the ``skip`` ranges (tables transcribed as cells)."""
    lines = [Line(i, t) for i, t in enumerate(report[:last_line], start=1)
             if not any(a <= i <= b for a, b in skip)]
    notes = _footnotes(lines)
    section = "Voorwoord"
    headings, captions, figure_no = {}, {}, None
    for ln in lines:
        cap = re.match(r"\s*Figuur (\d+):", ln.text)
        figure_no = int(cap.group(1)) if cap else figure_no
        if ln.text.strip().startswith("Bron:") and figure_no is not None:
            captions.setdefault(figure_no, ln.text.strip().removeprefix("Bron:").strip().rstrip("."))
        h = HEADING.match(ln.text)
        if h:
            headings[ln.no] = (f"{h.group('num')} {h.group('title').strip()}" if h.group("num")
                               else h.group("deel").strip().capitalize())
    out: list[dict] = []
    taken: set[tuple[int, int]] = set()  # (line, position): a signed plain number is also a figure match
    for block in _paragraphs(lines):
        for ln in block:
            if ln.no in headings:
                section = headings[ln.no]
        before = ""
        for first, last, sentence in _sentences(block):
            own_lines = [ln for ln in block if first <= ln.no <= last]
            for ln in own_lines:
                if "http" in ln.text or "www." in ln.text:
                    continue
                for m in list(FIGURE.finditer(ln.text)) + list(SIGNED_PLAIN.finditer(ln.text)):
                    fig = _figure(m)
                    if fig is None or (ln.no, m.start()) in taken:
                        continue
                    taken.add((ln.no, m.start()))
                    value, rounding = _number(fig["figure"])
                    fn = fig.pop("footnote")
                    note = notes.get(int(fn), "") if fn else ""
                    source = (named_source(note) or named_source(sentence) or named_source(before)
                              or _caption(sentence, captions))
                    out.append({**fig, "line": ln.no, "_pos": m.start(), "section": section, "value": value,
                                "rounding": rounding, "footnote": fn or "", "source": source,
                                "sentence": sentence[:500], "before": before[-300:]})
            before = (before + " " + sentence).strip()
    out.sort(key=lambda f: (f["line"], f["_pos"]))
    seen: dict[int, int] = {}
    for f in out:
        seen[f["line"]] = seen.get(f["line"], 0) + 1
        f["id"] = f"L{f['line']}.{seen[f['line']]}"
        del f["_pos"]
    return out


def _caption(sentence: str, captions: dict[int, str]) -> str:
    """The Bron line under the chart a sentence refers to ('zie figuur 9')."""
    m = re.search(r"figuur (\d+)", sentence, re.I)
    return captions.get(int(m.group(1)), "") if m else ""


def _figure(m: re.Match) -> dict | None:
    g = m.groupdict()
    sign = (g.get("sign") or "").strip()
    if g.get("pct"):
        kind = "point" if g["point"] else ("signed_percent" if sign else "percent")
        return {"figure": f"{sign}{g['pct']}%", "kind": kind, "footnote": g["pfn"]}
    if g.get("dotted"):
        return {"figure": f"{sign}{g['dotted']}", "kind": "signed_count" if sign else "count", "footnote": g["dfn"]}
    if g.get("plain"):
        if not sign and 1990 <= int(g["plain"]) <= 2030:
            return None
        return {"figure": f"{sign}{g['plain']}", "kind": "signed_count" if sign else "count", "footnote": None}
    return None


def write(path: Path, figures: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        for f in figures:
            w.writerow({k: (f"{f[k]:g}" if isinstance(f[k], float) else f[k]) for k in FIELDS})
