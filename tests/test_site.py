"""The audit site in a real browser: headless Chromium, network closed, loaded from file://.

The site is built once from the session's warehouse; each test opens it in a fresh page, clicks and types as
an auditor would, and checks what the page shows against the warehouse. Screenshots go to
$LADDER_SCREENSHOTS (else the test's temporary folder) to be looked at.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import duckdb
import pytest

from browser import chromium, screenshot
from dagster_project.narrative.scan import load_figures
from dagster_project.project import load_project
from dagster_project.report import build_site
from dagster_project.rules.verdict import final_line, totals

MAX_BYTES = 10 * 1024 * 1024
MAX_BUILD_S = 10.0
MAX_READY_MS = 2000


@pytest.fixture(scope="module")
def site(built_warehouse, tmp_path_factory):
    """(index.html, build seconds, read-only connection to the warehouse it was built from, report text)."""
    report = os.environ.get("LADDER_REPORT")
    out = tmp_path_factory.mktemp("site")
    con = duckdb.connect(str(built_warehouse[0]), read_only=True)
    report = Path(report) if report and Path(report).exists() else None
    started = time.perf_counter()
    path = build_site(con, out / "site", load_project(), report)
    seconds = time.perf_counter() - started
    yield path, seconds, con, report
    con.close()


@pytest.fixture(scope="module")
def browser():
    with chromium(allow=("file://",)) as context:
        yield context


@pytest.fixture
def page(browser, site):
    """A fresh page on the site, ready (its script sets html[data-ready] when the first view is drawn)."""
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(site[0].as_uri())
    page.wait_for_selector("html[data-ready]", timeout=10_000)
    yield page
    assert page.errors == [], f"script errors: {page.errors}"
    assert browser.errors == [], f"console errors: {browser.errors}"
    assert browser.blocked == [], f"requests outside file://: {browser.blocked}"
    page.close()


DRAWN = """() => { let h = location.hash.slice(1) || 'summary';
                   try { h = decodeURIComponent(h); } catch (e) {}
                   return document.documentElement.dataset.view === h; }"""


def follow(page, target):
    """Click ``target`` (a selector or a locator) and wait until the view its new address names is drawn:
    a click only changes location.hash, the page redraws on the hashchange event, which comes later."""
    (page.locator(target) if isinstance(target, str) else target).click()
    page.wait_for_function(DRAWN)


def show(page, link, view):
    """Follow a navigation link and check it led to ``view``."""
    follow(page, link)
    assert page.evaluate("document.documentElement.dataset.view") == view


def shot(page, tmp_path, name):
    return screenshot(page, tmp_path, f"site_{name}")


def one(con, sql, params=()):
    return con.execute(sql, list(params)).fetchone()


def test_site_is_one_small_file_built_fast(site):
    path, seconds, _, _ = site
    assert [p.name for p in path.parent.iterdir()] == ["index.html"]
    size = path.stat().st_size
    assert size <= MAX_BYTES, f"site is {size / 1e6:.1f} MB"
    assert seconds <= MAX_BUILD_S, f"site built in {seconds:.1f} s"
    html = path.read_text(encoding="utf-8")
    # nothing to fetch: no external script, stylesheet, image, font or frame, and a policy that forbids them
    assert not re.search(r"<(link|iframe|img)\b|\bsrc=|@import|url\(", html, re.I)
    assert "default-src 'none'" in html
    again = build_site(site[2], path.parent.parent / "again", load_project(), site[3])
    assert again.read_bytes() == path.read_bytes()  # the same warehouse, the same site
    print(f"site {size / 1e6:.2f} MB, built in {seconds:.2f} s")


def test_opens_offline_with_the_verdict(page, site, tmp_path):
    ready = int(page.evaluate("document.documentElement.dataset.ready"))
    assert ready <= MAX_READY_MS, f"ready after {ready} ms"
    print(f"ready after {ready} ms")
    counts = totals(site[2].execute("SELECT * FROM checks.results").df())
    assert " ".join(page.inner_text("#verdict").split()) == " ".join(final_line(counts).split())
    rules = one(site[2], "SELECT count(DISTINCT rule) FROM checks.results")[0]
    assert page.locator("main table.data tbody tr:has(a[href^='#rule/'])").count() == rules
    shot(page, tmp_path, "summary")


def test_clicking_a_cell_opens_its_panel(page, site, tmp_path):
    con = site[2]
    rule, suggestion, pattern = one(con, """
        SELECT rule, suggestion, pattern FROM checks.results WHERE status = 'fail' AND table_id = 'B06'
          AND suspect_table = 'B06' AND suspect_row = 'Arr. Kortrijk' AND suspect_column = '2014'
          AND row_label = 'Arr. Kortrijk'""")
    printed = one(con, "SELECT printed FROM src.B06 WHERE row_label = 'Arr. Kortrijk' AND column_label = '2014'")[0]
    show(page, "nav a[data-t='B06']", "table/B06")
    row = page.locator("table.grid tr", has=page.locator("th.row", has_text=re.compile("^Arr. Kortrijk$")))
    cell = row.locator("td.cell").first
    assert cell.inner_text() == printed and "st4" in cell.get_attribute("class")  # an unwaived finding
    follow(page, cell)
    panel = page.locator("#panel")
    panel.wait_for(state="visible")
    text = panel.inner_text()
    assert "appendix Tabel 6 · Arr. Kortrijk · 2014" in text
    assert rule in text and "suspect" in text and "B06 | Arr. Kortrijk | 2014" in text
    assert f"{suggestion:,.0f}".replace(",", " ") in text and pattern in text
    assert "Bron" in text and "RSZ" in text and "registration change" in text  # the table's trend break
    assert "tolerance" in text and "smaller of the two years" in text  # how the tolerance follows
    if os.environ.get("LADDER_REPORT"):
        assert re.search(r"line \d+ \(table lines 4811", text)
    assert panel.locator("svg circle.pt").count() == 6  # its series, 2014-2019
    shot(page, tmp_path, "B06_panel")


@pytest.mark.parametrize("query", ["63 552", "63.552"])
def test_search_finds_a_value_however_printed(page, site, tmp_path, query):
    page.fill("#search", query)
    page.press("#search", "Enter")
    page.wait_for_selector("main h1:has-text('Search')")
    hits = page.locator("main h2", has_text="Printed as").first
    text = page.inner_text("main")
    cells = site[2].execute("""
        SELECT table_id, row_label, column_label FROM src.B39 WHERE printed = '63 552'
        UNION ALL SELECT table_id, row_label, column_label FROM src.B40 WHERE printed = '63 552'""").fetchall()
    assert len(cells) == 2 and hits.count() == 1
    for _, row, column in cells:
        assert f"{row} · {column} = 63 552" in text
    assert "line 33: 63.552" in text  # the foreword quotes it
    follow(page, page.locator("main a", has_text="West-Vlaanderen | 2019").first)
    assert "63 552" in page.inner_text("#panel") and "Lineage down" in page.inner_text("#panel")
    shot(page, tmp_path, f"search_{query.replace(' ', '_')}")


def test_search_by_percentage_label_and_line(page, site, tmp_path):
    con = site[2]
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'src'"
                                        ).fetchall()]
    printed = sum(one(con, f"SELECT count(*) FROM src.\"{t}\" WHERE printed = '20,6%'")[0] for t in tables)
    page.evaluate("location.hash = 'search/' + encodeURIComponent('20,6%')")
    page.wait_for_selector("main h2:has-text('Printed as')")
    assert page.locator("main h2", has_text="Printed as").inner_text().endswith(")")
    assert page.locator("main ul.results").first.locator("li a[href^='#cell/']").count() == printed
    page.evaluate("location.hash = 'search/RSZ-korting'")
    page.wait_for_selector("main h2:has-text('Labels containing')")
    assert "RSZ-korting 54-plus" in page.inner_text("main")
    page.evaluate("location.hash = 'search/' + encodeURIComponent('line 4817')")
    page.wait_for_selector("main h2:has-text('Report line 4817')")
    if os.environ.get("LADDER_REPORT"):
        assert "Arr. Kortrijk" in page.inner_text("main")
    shot(page, tmp_path, "search_line")


def test_body_text_marks_every_figure(page, site, tmp_path):
    if not os.environ.get("LADDER_REPORT"):
        pytest.skip("report text not available: set LADDER_REPORT")
    figures = len(load_figures(load_project().sources))
    show(page, "nav a[data-v='text']", "text")
    marked = page.locator("#bodytext a.fig")
    classes = {c: page.locator(f"#bodytext a.fig.{c}").count() for c in ("confirmed", "contradicts", "external",
                                                                        "unresolved")}
    assert marked.count() == sum(classes.values()) == figures  # each figure once, in its line
    assert classes["contradicts"] >= 1
    follow(page, page.locator("#bodytext a.fig.contradicts").first)
    panel = page.locator("#panel")
    panel.wait_for(state="visible")
    assert "contradicts" in panel.inner_text().lower() and "Linked cells" in panel.inner_text()
    shot(page, tmp_path, "body_text")


def test_published_minus_recomputed_and_lineage(page, site, tmp_path):
    con = site[2]
    row, column, published, recomputed = one(con, """
        SELECT row_label, column_label, published_printed, recomputed FROM derived.tabel39
        WHERE status = 'differs' ORDER BY abs(published_minus_recomputed) DESC LIMIT 1""")
    show(page, "nav a[data-t='B39']", "table/B39")
    page.click(".views button[data-view='difference']")
    assert page.locator("table.grid td.cell.st4").count() == one(
        con, "SELECT count(*) FROM derived.tabel39 WHERE status = 'differs'")[0]
    grid = page.locator("table.grid tr", has=page.locator("th.row", has_text=re.compile(f"^{re.escape(row)}$")))
    index = page.evaluate(f"tableById.B39.cols.indexOf({column!r})")
    follow(page, grid.locator("td.cell").nth(index))
    text = page.inner_text("#panel")
    assert "published − recomputed" in text and published in text
    assert "Lineage down" in text and ("explained by" in text or "No waived finding" in text)
    shot(page, tmp_path, "B39_difference")


def test_count_series_are_charted_with_breaks_and_warnings(page, site, tmp_path):
    show(page, "nav a[data-t='B06']", "table/B06")
    charts = page.locator(".charts .chart")
    assert charts.count() == one(site[2], "SELECT count(DISTINCT row_label) FROM src.B06 WHERE stat = 'count'")[0]
    assert page.locator(".chart.has-warn").count() >= 3  # the 2014 arrondissements that do not fit their series
    assert page.locator(".charts line[stroke-dasharray]").count() == charts.count()  # the 2016 break, everywhere
    follow(page, page.locator(".chart.has-warn circle.pt[r='4.5']").first)
    assert "series.jump" in page.inner_text("#panel")
    page.locator(".charts").scroll_into_view_if_needed()
    shot(page, tmp_path, "B06_charts")
