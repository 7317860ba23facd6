"""Reference data assets: geography, ROP areas, measure catalogue and links, and the source catalogue
with its trend-break registry (so trace and the derived tables read them from DuckDB)."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
import pandas as pd

from .catalogue import Table, catalogue_frame, trend_breaks_frame
from .reference import Reference
from .resources import Warehouse

SCHEMA = "ref"


def build_reference_asset(name: str, description: str, frame: Callable[[], pd.DataFrame], source: str):
    @dg.asset(key=dg.AssetKey(["reference", name]), group_name="reference", description=description,
              kinds={"duckdb"},
              metadata={"dagster/table_name": f"{SCHEMA}.{name}", "source_file": source})
    def _asset(warehouse: Warehouse) -> dg.MaterializeResult:
        data = frame()
        warehouse.write(SCHEMA, name, data)
        return dg.MaterializeResult(metadata={"dagster/row_count": len(data)})

    return _asset


def reference_assets(ref: Reference, tables: list[Table]) -> list[dg.AssetsDefinition]:
    csv = {
        "geography": "Gemeenten (NIS), arrondissementen, regio's (with the 'Resoc' alias), provinces, Vlaams "
                     "Gewest, België and the 'niet toe te wijzen' / 'niet gekend' / 'buiten Vlaanderen' buckets.",
        "rop": "ROP areas (regional education platforms) used by the brugproject, voortraject and POT tables.",
        "measures": "Every werkvorm with its letter in Tabel 39 and 40, trede, group, policy domain, Bron, years in force.",
        "measure_links": "Predecessor/successor links between measures (renamed, replaced, stopped) with year and reason.",
    }
    assets = [build_reference_asset(name, text, lambda name=name: ref.frame(name), f"sources/reference/{name}.csv")
              for name, text in csv.items()]
    assets.append(build_reference_asset("catalogue", "One row per source table: title, Bron, unit, period, notes.",
                                        lambda: catalogue_frame(tables), "sources/catalogue/*.yaml"))
    assets.append(build_reference_asset("trend_breaks", "Trend-break registry: per table and series, the year and "
                                        "kind of every break (source, definition, measure replaced/stopped/renamed …).",
                                        lambda: trend_breaks_frame(tables), "sources/catalogue/*.yaml"))
    return assets
