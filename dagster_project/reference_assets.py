"""Reference data assets: geography, measure catalogue and the links between measures."""

from __future__ import annotations

import dagster as dg

from .reference import Reference
from .warehouse import Warehouse

SCHEMA = "ref"
DESCRIPTIONS = {
    "geography": "Gemeenten (NIS), arrondissementen, regio's (with the 'Resoc' alias), provinces, "
                 "Vlaams Gewest, België and the 'niet toe te wijzen' / 'niet gekend' / 'buiten Vlaanderen' buckets.",
    "rop": "ROP areas (regional education platforms) used by the brugproject, voortraject and POT tables.",
    "measures": "Every werkvorm with its letter in Tabel 39 and 40, trede, group, policy domain, Bron, years in force.",
    "measure_links": "Predecessor/successor links between measures (renamed, replaced, stopped) with year and reason.",
}


def build_reference_asset(name: str, ref: Reference) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey(["reference", name]), group_name="reference", description=DESCRIPTIONS[name],
              kinds={"duckdb", "csv"}, pool="warehouse",
              metadata={"dagster/table_name": f"{SCHEMA}.{name}",
                        "source_file": f"sources/reference/{name}.csv"})
    def _asset(warehouse: Warehouse) -> dg.MaterializeResult:
        frame = ref.frame(name)
        warehouse.write(SCHEMA, name, frame)
        return dg.MaterializeResult(metadata={"dagster/row_count": len(frame)})

    return _asset


def reference_assets(ref: Reference) -> list[dg.AssetsDefinition]:
    return [build_reference_asset(name, ref) for name in DESCRIPTIONS]
