"""Reference data assets: geography, ROP areas, measure catalogue and links, and the source catalogue
with its trend-break registry (so trace and the derived tables read them from DuckDB); one asset per
table, all written in one step (subsettable)."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
import pandas as pd

from .catalogue import Table, catalogue_frame, trend_breaks_frame
from .reference import Reference
from .resources import Warehouse
from .warehouse import replace_table

SCHEMA = "ref"


def reference_assets(ref: Reference, tables: list[Table]) -> dg.AssetsDefinition:
    csv = {
        "geography": "Gemeenten (NIS), arrondissementen, regio's (with the 'Resoc' alias), provinces, Vlaams "
                     "Gewest, België and the 'niet toe te wijzen' / 'niet gekend' / 'buiten Vlaanderen' buckets.",
        "rop": "ROP areas (regional education platforms) used by the brugproject, voortraject and POT tables.",
        "measures": "Every werkvorm with its letter in Tabel 39 and 40, trede, group, policy domain, Bron, years in force.",
        "measure_links": "Predecessor/successor links between measures (renamed, replaced, stopped) with year and reason.",
    }
    # name -> (description, frame, source file)
    entries: dict[str, tuple[str, Callable[[], pd.DataFrame], str]] = {
        name: (text, lambda name=name: ref.frame(name), f"sources/reference/{name}.csv") for name, text in csv.items()}
    entries["catalogue"] = ("One row per source table: title, Bron, unit, period, notes.",
                            lambda: catalogue_frame(tables), "sources/catalogue/*.yaml")
    entries["trend_breaks"] = ("Trend-break registry: per table and series, the year and kind of every break (source, "
                               "definition, measure replaced/stopped/renamed …).",
                               lambda: trend_breaks_frame(tables), "sources/catalogue/*.yaml")
    keys = {dg.AssetKey(["reference", name]): name for name in entries}
    specs = [dg.AssetSpec(key, group_name="reference", description=entries[name][0], kinds={"duckdb"},
                          metadata={"dagster/table_name": f"{SCHEMA}.{name}", "source_file": entries[name][2]})
             for key, name in keys.items()]

    @dg.multi_asset(name="reference_tables", specs=specs, can_subset=True)
    def _reference(context, warehouse: Warehouse):
        with warehouse.connection() as con:
            for key, name in keys.items():
                if key in context.selected_asset_keys:
                    data = entries[name][1]()
                    replace_table(con, SCHEMA, name, data)
                    yield dg.MaterializeResult(asset_key=key, metadata={"dagster/row_count": len(data)})

    return _reference
