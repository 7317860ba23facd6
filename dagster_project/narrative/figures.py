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
MONTHS = r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
# A signed plain number; not a bullet dash before a date ('- 1 januari 2017')
SIGNED_PLAIN = re.compile(r"(?<![\w.,/%-])(?P<sign>[+-])\s?(?P<plain>\d{1,4})"
                          r"(?![\d.,%]|\s?jaar|-jarig|\s+(?:" + MONTHS + r")\b)")
HEADING = re.compile(r"^\s*(?:(?P<num>\d\.\d(?:\.\d)?)\s+(?P<title>[A-Z].{3,})|(?P<deel>DEEL \d:.+|VOORWOORD))\s*$")
FOOTNOTE = re.compile(r"^(?P<n>\d{1,2})\s+\S")
SOURCES = ("VDAB", "RSZ", "RSVZ", "RVA", "RIZIV", "Statbel", "ADSEI", "FOD Economie", "Eurostat", "LFS",
           "Labour Force Survey", "Steunpunt WSE", "Steunpunt Werk", "Arvastat", "Departement WSE",
           "Departement Werk", "Departement Welzijn", "Vlaamse arbeidsrekening", "Graydon", "ESF", "VAPH",
           "Agentschap", "Vlaams Parlement", "Vlaamse Regering", "beleidsnota", "Regeerakkoord", "BVR", "decreet",
           "Departement Onderwijs", "SYNTRA", "VVSG", "Ronde Tafel Arbeidszorg", "Banenpact", "Departement WVG",
           "Departement SE", "Ministerieel Besluit", "MB", "VR", "Conceptnota", "jaarrapport", "Beleidsnota",
           "Syntra", "Agentschap Innoveren", "uitvoeringsbesluit", "ministerieel besluit")
GLUED = re.compile(r"[a-zé)’'](\d{1,2})(?=[\s.,;:)]|$)")  # a footnote number glued to a word: 'LDE48'
LABEL = re.compile(r"^[^|]{3,70}\s\|\s")  # 'Financiering | ...': a labelled part of a measure's description
NEAR_CHART = 60  # lines: a page and a half
# A measure's capitalised heading: 'LOKALE DIENSTENECONOMIE (LDE)'
MEASURE = re.compile(r"^\s*(?:[A-Z]\.\s)?[A-ZÀ-Ý][A-ZÀ-Ý0-9 '’&()/-]{6,}(?:\s|$)")
REGULATION = re.compile(r"^Regelgevend kader \| (.{1,160}?)(?:\.\s|$)")


@dataclass
class Line:
    no: int
    text: str


def number(figure: str) -> tuple[float, float]:
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
        if first.startswith(("http", "|", "Figuur", "Bron")):
            merged.append(block)
            continue
        pending = block  # a footnote too: its text may go on after a page break
        merged.append(block)
        if block[-1].text.rstrip().endswith((".", ":", "!", "?")):
            pending = None
    return merged


def _text(block: list[Line]) -> tuple[str, list[tuple[int, int]]]:
    """A paragraph as one text (whitespace collapsed, a hyphen at a line's end joins the words) and the
    (offset, line) where each line starts."""
    text, starts = "", []
    for ln in block:
        part = " ".join(ln.text.split())
        if text and not re.search(r"\w-$", text):  # 'West-' + 'Vlaanderen' is one word
            text += " "
        starts.append((len(text), ln.no))
        text += part
    return text, starts


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence of a paragraph's text; abbreviations do not end one."""
    out, start = [], None
    for tok in re.finditer(r"\S+", text):
        start = tok.start() if start is None else start
        if re.search(r"[.!?]['’)]?$", tok.group()) and not re.fullmatch(
                r"(?:\w|art|vb|o\.a|t\.e\.m|nr|bv|m\.a\.w|t\.w\.v)\.", tok.group(), re.I):
            out.append((start, tok.end()))
            start = None
    if start is not None:
        out.append((start, len(text)))
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
    """All figures of report lines 1..last_line outside the ``skip`` ranges (tables transcribed as cells).

    A figure's source is the organisation or regulation named, in this order: by its own footnote, by a
    footnote glued to a word of its sentence, by its sentence or an earlier one of its paragraph, earlier
    in the labelled part of a measure's description it belongs to ('Financiering | ...'), in the Bron
    line of the chart its paragraph refers to ('zie figuur 9') or introduces (the caption right after it),
    in the 'Regelgevend kader' of the measure whose description (from its capitalised heading) it belongs
    to (the regulation that sets a measure's parameters), or else in the Bron line of the nearest chart
    of its section, at most NEAR_CHART lines away.
    """
    lines = [Line(i, t) for i, t in enumerate(report[:last_line], start=1)
             if not any(a <= i <= b for a, b in skip)]
    notes = _footnotes(lines)
    texts = {ln.no: ln.text for ln in lines}
    section = "Voorwoord"
    headings, captions, figure_no, charts = {}, {}, None, []
    for ln in lines:
        h = HEADING.match(ln.text)
        if h:
            headings[ln.no] = (f"{h.group('num')} {h.group('title').strip()}" if h.group("num")
                               else h.group("deel").strip().capitalize())

    def section_at(no: int) -> str:
        return headings[max((h for h in headings if h <= no), default=min(headings))] if headings else ""

    for ln in lines:
        cap = re.match(r"\s*Figuur (\d+):", ln.text)
        figure_no = int(cap.group(1)) if cap else figure_no
        if cap:
            charts.append((ln.no, section_at(ln.no), figure_no))
        if ln.text.strip().startswith("Bron:") and figure_no is not None:
            captions.setdefault(figure_no, ln.text.strip().removeprefix("Bron:").strip().rstrip("."))
    out: list[dict] = []
    blocks = _paragraphs(lines)
    part: str | None = None  # text of the labelled part so far; None outside one
    regulation = ""  # the current measure's 'Regelgevend kader'
    for i, block in enumerate(blocks):
        if any(ln.no in headings for ln in block):
            section = next(headings[ln.no] for ln in reversed(block) if ln.no in headings)
            part, regulation = None, ""
        if MEASURE.match(block[0].text):
            part, regulation = None, ""
        text, starts = _text(block)
        if LABEL.match(text):
            part = ""
        if REGULATION.match(text):
            regulation = "Regelgevend kader: " + REGULATION.match(text).group(1)
        following = blocks[i + 1][0].text if i + 1 < len(blocks) else ""
        chart = _caption(text, captions) or _caption(following if following.lstrip().startswith("Figuur") else "",
                                                     captions)
        near = [(abs(no - block[0].no), f) for no, sec, f in charts
                if sec == section_at(block[0].no) and abs(no - block[0].no) <= NEAR_CHART]
        nearest = captions.get(min(near)[1], "") if near else ""
        taken: set[int] = set()  # offsets: a signed plain number is also a figure match
        for a, b in _sentences(text):
            sentence, before = text[a:b], text[:a]
            glued = " ".join(notes.get(int(n), "") for n in GLUED.findall(sentence))
            for m in list(FIGURE.finditer(sentence)) + list(SIGNED_PLAIN.finditer(sentence)):
                fig = _figure(m)
                line = _line(starts, a + m.start())
                if fig is None or a + m.start() in taken or re.search(r"http|www\.", texts[line]):
                    continue
                taken.add(a + m.start())
                value, rounding = number(fig["figure"])
                fn = fig.pop("footnote")
                note = notes.get(int(fn), "") if fn else ""
                source = (named_source(note) or named_source(glued) or named_source(sentence)
                          or named_source(before) or named_source(part or "") or chart or regulation
                          or nearest)
                out.append({**fig, "line": line, "_pos": a + m.start(), "section": section, "value": value,
                            "rounding": rounding, "footnote": fn or "", "source": source,
                            "sentence": sentence[:500], "before": before[-300:]})
        if part is not None:
            part += " " + text
    out.sort(key=lambda f: (f["line"], f["_pos"]))
    seen: dict[int, int] = {}
    for f in out:
        seen[f["line"]] = seen.get(f["line"], 0) + 1
        f["id"] = f"L{f['line']}.{seen[f['line']]}"
        del f["_pos"]
    return out


def _line(starts: list[tuple[int, int]], offset: int) -> int:
    """The report line an offset of a paragraph's text falls on."""
    return max((s for s in starts if s[0] <= offset), key=lambda s: s[0])[1]


def _caption(text: str, captions: dict[int, str]) -> str:
    """The Bron line under the chart a text refers to ('zie figuur 9', 'Figuur 9: ...')."""
    m = re.search(r"figuur (\d+)", text, re.I)
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
        if 1990 <= int(g["plain"]) <= 2030:  # a year, also after a dash ('SIW - 2015')
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
