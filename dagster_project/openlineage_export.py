"""Export the derived tables' column lineage as OpenLineage ColumnLineageDatasetFacets.

Column level is as far as OpenLineage goes; the cell level stays in derived.edges (see `ladder trace`).
"""

from __future__ import annotations

import json

from openlineage.client.facet_v2 import column_lineage_dataset as cl
from openlineage.client.serde import Serde

NAMESPACE = "duckdb://warehouse"
PRODUCER = "https://example.invalid/ladder"  # OpenLineage requires a producer URI; this project has no public one


def facets(con) -> dict[str, dict]:
    """derived table -> facet (as a JSON-ready dict), from the edges in the warehouse."""
    rows = con.execute("""
        SELECT e.derived_table, e.column_label,
               CASE WHEN e.input_table IN (SELECT name FROM derived.registry) THEN 'derived.' ELSE 'src.' END
                 || e.input_table AS input_dataset,
               e.input_column, string_agg(DISTINCT e.op, ', ' ORDER BY e.op) AS ops
        FROM derived.edges e WHERE e.input_table <> 'external'
        GROUP BY ALL ORDER BY ALL""").fetchall()
    grouped: dict[str, dict[str, list[cl.InputField]]] = {}
    ops: dict[tuple[str, str], str] = {}
    for table, column, dataset, input_column, op in rows:
        grouped.setdefault(table, {}).setdefault(column, []).append(
            cl.InputField(namespace=NAMESPACE, name=dataset, field=input_column))
        ops[(table, column)] = op
    out = {}
    for table, columns in grouped.items():
        facet = cl.ColumnLineageDatasetFacet(producer=PRODUCER, fields={
            column: cl.Fields(inputFields=inputs, transformationDescription=ops[(table, column)],
                              transformationType="AGGREGATION")
            for column, inputs in columns.items()})
        out[f"derived.{table}"] = json.loads(Serde.to_json(facet))
    return out
