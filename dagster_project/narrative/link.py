"""Link each body-text figure to the table quantity it quotes, and classify it.

Candidate quantities are built set-based in DuckDB from the published cells: the cell itself, and per
series (same table, row and column label up to the year) every difference, growth rate (evolutie) and
%-point change between two years. A figure matches a quantity when they agree at the figure's printed
precision plus the quantity's own rounding. The sentence then has to agree: the quantity's year (both
years of a change) must be one the sentence names, else one its paragraph names, else the report's
year 2019; its area must be one the sentence names (West-Vlaanderen when it names none); a share of
the Vlaams Gewest needs both areas named, an unsigned percentage read as a printed growth rate needs a
word of change; and the sentence's words must occur in the quantity's row, column or table title (two
for a round percentage, none for a count of five digits or more).

Classes: ``confirmed`` (linked, or a passing curated claim), ``contradicts`` (a failing or waived
curated claim, or a count one keystroke away from the cell its sentence points to — one digit changed,
two swapped — with the context a confirmation needs: the text is the suspect), ``external`` (the text
names a source, and no quantity of the year and area its sentence names shares a word with it),
``unresolved`` (neither).
"""

from __future__ import annotations

import re
from collections import namedtuple
from functools import lru_cache

import pandas as pd

CLASSES = ["confirmed", "contradicts", "external", "unresolved"]

# Which quantities a figure of each printed kind can quote; `abs` where the text drops the sign of a decrease.
QUANTITIES = """
    WITH c AS (SELECT *, regexp_replace(column_label, '\\d{4}\\**', '', 'g') AS skey
               FROM narrative_cells WHERE value IS NOT NULL),
    pairs AS (
        SELECT a.table_id, a.row_label, b.column_label, a.column_label AS column0, b.year, a.year AS year0,
               b.geo_code, a.stat, a.value AS v0, b.value AS v1, a.rounding / 2 AS h0, b.rounding / 2 AS h1
        FROM c a JOIN c b ON a.table_id = b.table_id AND a.row_label = b.row_label AND a.skey = b.skey
                          AND a.year < b.year)
    SELECT 'cell' AS how, table_id, row_label, column_label, NULL AS column0, year, NULL::BIGINT AS year0,
           geo_code, stat, value, rounding / 2 AS half FROM c
    UNION ALL
    SELECT 'difference', table_id, row_label, column_label, column0, year, year0, geo_code, stat, v1 - v0, h0 + h1
    FROM pairs WHERE stat = 'count'
    UNION ALL
    SELECT 'evolution', table_id, row_label, column_label, column0, year, year0, geo_code, stat,
           100 * (v1 - v0) / v0, 100 * (h1 / abs(v0) + abs(v1) * h0 / (v0 * v0))
    FROM pairs WHERE stat = 'count' AND v0 <> 0
    UNION ALL
    SELECT 'point', table_id, row_label, column_label, column0, year, year0, geo_code, stat, v1 - v0, h0 + h1
    FROM pairs WHERE stat IN ('percent', 'share')"""

# A figure once per year and area a quantity it quotes can carry (NULL: none): the years of its context
# and the areas its sentence names (West-Vlaanderen where it names none). Joined on these keys, and with
# the values within reach of each other (whatever their sign), few pairs are left for the conditions of
# MATCH to decide, instead of every figure with every quantity.
KEYS = """
    WITH by_year AS (SELECT id, kind, value, rounding, years, areas, unnest(list_append(years, NULL)) AS key_year
                     FROM narrative_figures)
    SELECT *, unnest(list_append(CASE WHEN len(areas) = 0 THEN ['30000'] ELSE areas END, NULL)) AS key_geo
    FROM by_year"""

MATCH = """
    WITH candidates AS MATERIALIZED (
        SELECT k.id AS figure, q.*
        FROM narrative_keys k JOIN narrative_quantities q
          ON q.year IS NOT DISTINCT FROM k.key_year AND q.geo_code IS NOT DISTINCT FROM k.key_geo
         AND abs(q.value) - q.half <= abs(k.value) + k.rounding / 2 + 1e-6
         AND abs(q.value) + q.half >= abs(k.value) - k.rounding / 2 - 1e-6)
    SELECT f.id, q.* EXCLUDE (figure)
    FROM narrative_figures f JOIN candidates q ON q.figure = f.id AND (
        (f.kind = 'count' AND ((q.how = 'cell' AND q.stat = 'count') OR q.how = 'difference')
             AND abs(abs(q.value) - f.value) <= f.rounding / 2 + q.half + 1e-9)
     OR (f.kind = 'signed_count' AND q.how = 'difference' AND abs(q.value - f.value) <= f.rounding / 2 + q.half + 1e-9)
     OR (f.kind = 'percent' AND ((q.how = 'cell' AND q.stat <> 'count') OR q.how = 'evolution')
             AND abs(abs(q.value) - f.value) <= f.rounding / 2 + q.half + 1e-9)
     OR (f.kind = 'signed_percent' AND (q.how = 'evolution' OR (q.how = 'cell' AND q.stat = 'evolution'))
             AND abs(q.value - f.value) <= f.rounding / 2 + q.half + 1e-9)
     OR (f.kind = 'point' AND q.how = 'point' AND abs(abs(q.value) - f.value) <= f.rounding / 2 + q.half + 1e-9))
    WHERE (q.how = 'cell' AND (q.year IS NULL OR list_contains(f.years, q.year))
           OR list_contains(f.years, q.year) AND list_contains(f.years, q.year0))
      -- an unsigned percentage quotes a printed growth rate only where the sentence speaks of one, and
      -- a share of the Vlaams Gewest only where it names both areas
      AND NOT (q.how = 'cell' AND q.stat = 'evolution' AND f.kind = 'percent' AND NOT f.trend)
      AND NOT (q.stat = 'share' AND NOT (list_contains(f.areas, '30000') AND list_contains(f.areas, '02000')))
      AND (q.geo_code IS NULL OR list_contains(f.areas, q.geo_code)
           OR (len(f.areas) = 0 AND q.geo_code = '30000'))
    ORDER BY f.id, q.table_id, q.row_label, q.column_label, q.how, q.column0"""

# A count one keystroke away from a count cell of its year and area (one digit changed, two adjacent
# digits swapped): if the sentence points to that cell, the text contradicts the table.
NEAR = """
    SELECT f.id, q.*
    FROM narrative_keys f JOIN narrative_quantities q ON q.year = f.key_year AND q.geo_code = f.key_geo
        AND q.how = 'cell' AND q.stat = 'count'
        AND f.kind = 'count' AND f.value >= 100 AND f.value <> q.value
        AND length(CAST(CAST(f.value AS BIGINT) AS VARCHAR)) = length(CAST(CAST(q.value AS BIGINT) AS VARCHAR))
        AND damerau_levenshtein(CAST(CAST(f.value AS BIGINT) AS VARCHAR), CAST(CAST(q.value AS BIGINT) AS VARCHAR)) = 1
    WHERE list_contains(f.years, q.year)
      AND (list_contains(f.areas, q.geo_code) OR (len(f.areas) = 0 AND q.geo_code = '30000'))
    ORDER BY f.id, q.table_id, q.row_label, q.column_label"""

REPORT_YEAR = 2019
YEAR = re.compile(r"\b(20[12]\d)\b")
TREND = re.compile(r"daal|dalin|stijg|gesteg|toenam|toename|afname|afnam|nam .{0,40}(?:toe|af)\b|evolu|groei", re.I)
ANAPHORA = re.compile(r"\b(?:hun|hen|zij|deze groep|die groep)\b", re.I)
WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ-]{4,}")
STOP = {"west-vlaanderen", "vlaanderen", "vlaamse", "west-vlaamse", "personen", "tussen", "periode", "aantal",
        "totaal", "totale", "gewest", "respectievelijk", "procent", "daling", "stijging", "toename", "afname",
        "zijnde", "binnen", "werden", "wordt", "vinden", "tellen", "waren", "hebben", "aandeel", "evolutie",
        "treden", "gewest", "provincie", "tewerkstelling", "werkzoekenden", "aantallen", "meer", "minder"}


def _stem(word: str) -> str:
    return word[:6]


def _areas(text: str, geo_names: dict[str, str]) -> set[str]:
    """Area codes a sentence names; 'Vlaanderen'/'Vlaamse' without 'West-' is the Vlaams Gewest."""
    found = set()
    if re.search(r"West-\s?Vla", text):
        found.add("30000")
    if re.search(r"\b(Vlaanderen|Vlaams|Vlaamse)\b", re.sub(r"West-\s?Vla", "WV", text)):
        found.add("02000")
    for name, pattern, code in _named_areas(tuple(geo_names.items())):
        if name in text and pattern.search(text):  # the substring test spares most searches
            found.add(code)
    return found


@lru_cache(maxsize=None)
def _named_areas(geo_names: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern, str], ...]:
    """(name, whole-word pattern, code) of every area a sentence names by its own name."""
    return tuple((name, re.compile(rf"\b{re.escape(name)}\b"), code) for name, code in geo_names
                 if len(name) > 4 and name not in ("West-Vlaanderen", "Vlaams Gewest"))


def _context(fig) -> tuple[frozenset[str], frozenset[str]]:
    """The stems of a figure's sentence and, where it points back ('hun aantal'), of the sentence before:
    what it speaks of."""
    own = _words(fig.sentence)
    previous = (_words(re.split(r"(?<=[.!?])\s", fig.before.strip())[-1]) - own
                if fig.before.strip() and ANAPHORA.search(fig.sentence) else frozenset())
    return own, previous


def _score(context: tuple[frozenset[str], frozenset[str]], cand, titles: dict[str, str], areas: re.Pattern) -> float:
    """How many of the sentence's words the candidate's labels hold (years and areas are filtered in SQL).

    Zero unless one of them is in what tells the candidate apart: its row and column labels without
    area names and years, or, where those name only areas and years, its table's title."""
    own, previous = context
    title = titles.get(cand.table_id, "")
    label = f"{cand.row_label} {cand.column_label} {title}".lower()
    distinct = _distinct(cand.row_label, cand.column_label, title, areas)
    if not any(w in distinct for w in own | previous):
        return 0.0
    hits = sum(1 for w in own if w in label) + 0.5 * sum(1 for w in previous if w in label)
    return hits + (0.5 if cand.how == "cell" else 0)


@lru_cache(maxsize=None)
def _areas_pattern(names: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)), re.I)


@lru_cache(maxsize=None)
def _distinct(row_label: str, column_label: str, title: str, areas: re.Pattern) -> str:
    """The stems that tell a cell apart: its labels without area names and years, else its table's title."""
    return " ".join(_words(areas.sub(" ", f"{row_label} {column_label}")) or _words(title))


@lru_cache(maxsize=None)
def _words(text: str) -> frozenset[str]:
    """Stems of a text's content words (five letters or more, no stop word, no 'West-' of a line wrap)."""
    words = (w.strip("-") for w in WORD.findall(text.lower()))
    return frozenset(_stem(w) for w in words if len(w) >= 5 and w not in STOP and _stem(w) not in STOP)


def link(con, figures: pd.DataFrame, titles: dict[str, str], geo_names: dict[str, str],
         claims: pd.DataFrame) -> pd.DataFrame:
    """One row per figure: class, link (table | row | column, how) and the source it names.

    ``narrative_cells`` must be a relation of published cells; ``claims`` holds the curated claims'
    results (line, printed, status, cells)."""
    context = figures.assign(
        # a sentence that names no year, in a paragraph that names none, speaks of the report's year
        years=[sorted({int(y) for y in YEAR.findall(f.sentence)} or {int(y) for y in YEAR.findall(f.before)}
                      or {REPORT_YEAR}) for f in figures.itertuples()],
        areas=[sorted(_areas(f.sentence, geo_names)) for f in figures.itertuples()],
        trend=[bool(TREND.search(f.sentence)) for f in figures.itertuples()])
    con.register("narrative_context", context)
    con.execute("""CREATE OR REPLACE TEMP TABLE narrative_figures AS
                   SELECT id, kind, value, rounding, CAST(years AS BIGINT[]) AS years,
                          CAST(areas AS VARCHAR[]) AS areas, trend
                   FROM narrative_context""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE narrative_keys AS {KEYS}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE narrative_quantities AS {QUANTITIES}")
    by_fig, near_fig = _by_figure(con.execute(MATCH)), _by_figure(con.execute(NEAR))
    areas = _areas_pattern(tuple(geo_names))
    curated = {(int(r.line), bare(r.printed)): r for r in claims.itertuples()}
    out = []
    for fig in figures.itertuples():
        row = {"id": fig.id, "line": fig.line, "section": fig.section, "figure": fig.figure, "kind": fig.kind,
               "source": fig.source, "sentence": fig.sentence, "how": "", "table_id": "", "row_label": "",
               "column_label": "", "column0": "", "quantity": None, "half": 0.0, "claim": ""}
        claim = curated.get((int(fig.line), bare(fig.figure)))
        if claim is not None:
            row.update(cls="confirmed" if claim.status == "pass" else "contradicts", how="claim",
                       claim=claim.claim, quantity=claim.rhs, table_id=claim.table_id, row_label=claim.row_label,
                       column_label=claim.column_label)
            out.append(row)
            continue
        words = _context(fig)
        best, best_score = _best(words, by_fig.get(fig.id, ()), titles, areas)
        # A round percentage ('45%') matches some cell by chance: it needs two words of context; a count of
        # five digits or more that equals a cell of the year and area the sentence names needs none.
        needed = (0 if fig.kind == "count" and fig.value >= 10000
                  else 2 if fig.rounding >= 1 and fig.kind != "count" else 1)
        strong = best is not None and best_score >= needed
        if strong:
            row.update(cls="confirmed", how=best.how, table_id=best.table_id, row_label=best.row_label,
                       column_label=best.column_label, column0=best.column0 or "", quantity=best.value,
                       half=best.half)
            out.append(row)
            continue
        slip, slip_score = _best(words, near_fig.get(fig.id, ()), titles, areas)
        if slip is not None and slip_score >= needed + 0.5:
            row.update(cls="contradicts", how="near-miss", table_id=slip.table_id, row_label=slip.row_label,
                       column_label=slip.column_label, quantity=slip.value, half=slip.half)
        else:
            # external: the text names a source and no table quantity of its year and area shares a word
            # of its sentence
            row["cls"] = "external" if fig.source and best_score < 1 else "unresolved"
        out.append(row)
    return pd.DataFrame(out)


def _by_figure(result) -> dict[str, list]:
    """Each figure's candidates, the rows of a MATCH or NEAR result, in their order."""
    candidate = namedtuple("Candidate", [d[0] for d in result.description])
    out: dict[str, list] = {}
    for row in result.fetchall():
        out.setdefault(row[0], []).append(candidate._make(row))
    return out


def _best(context, candidates: list, titles: dict[str, str], areas: re.Pattern):
    """The candidate whose labels hold most of the sentence's words (first of equals), and its score."""
    best, best_score = None, -1.0
    for cand in candidates:
        s = _score(context, cand, titles, areas)
        if s > best_score:
            best, best_score = cand, s
    return best, best_score


def bare(printed: str) -> str:
    """A printed figure without spaces and plus sign, to compare a claim's quote with the scan's figure."""
    return printed.replace(" ", "").lstrip("+")


def counts(linked: pd.DataFrame) -> pd.DataFrame:
    """Figures per section and class, in report order, with a total row."""
    t = pd.crosstab(linked.section, linked.cls).reindex(columns=CLASSES, fill_value=0)
    t = t.loc[linked.drop_duplicates("section").section]
    t.loc["Total"] = t.sum()
    t["figures"] = t.sum(axis=1)
    t["classified %"] = (100 * (t.figures - t.unresolved) / t.figures).round(1)
    return t
