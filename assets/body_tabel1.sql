-- asset: body_tabel1
-- title: Body Tabel 1 recomputed: nwwz per kansengroep, West-Vlaanderen and Vlaams Gewest, counts, shares and evolutions
-- publishes: T01
-- depends: B02
-- Counts come from appendix Tabel 2 (same series); evolutions and the West-Vlaanderen share in Vlaams
-- Gewest are recomputed from those counts, never taken from a printed percentage.
WITH groups AS (SELECT DISTINCT row_label FROM cells WHERE table_id = 'B02'),
areas(geo_code, area) AS (VALUES ('30000', 'West-Vlaanderen'), ('02000', 'Vlaams Gewest')),
years(year) AS (VALUES (2014), (2018), (2019)),
counts AS (
    SELECT g.row_label, a.area || ' | ' || y.year AS column_label, 'sum' AS op,
           'B02' AS input_table, c.row_label AS input_row, c.column_label AS input_column, 1.0 AS coef,
           'part' AS role, 'Tabel 2 (bijlage), ' || a.area || ' ' || y.year AS formula
    FROM groups g CROSS JOIN areas a CROSS JOIN years y
    JOIN cells c ON c.table_id = 'B02' AND c.row_label = g.row_label AND c.geo_code = a.geo_code
         AND c.year = y.year AND c.stat = 'count'),
spans(y1, y2) AS (VALUES (2018, 2019), (2014, 2019)),
evolutions AS (
    SELECT g.row_label, a.area || ' | Evolutie ' || s.y1 || '-' || s.y2, 'evolution', 'body_tabel1', g.row_label,
           a.area || ' | ' || y, 1.0, CASE y WHEN s.y1 THEN 'base' ELSE 'current' END,
           '100 × (' || s.y2 || ' / ' || s.y1 || ' − 1)'
    FROM groups g CROSS JOIN areas a CROSS JOIN spans s CROSS JOIN (VALUES (2014), (2018), (2019)) t(y)
    WHERE y IN (s.y1, s.y2)),
shares AS (
    SELECT g.row_label, 'Aandeel West-Vlaanderen in Vlaams Gewest | ' || y.year, 'share', 'body_tabel1', g.row_label,
           a.area || ' | ' || y.year, 1.0, CASE a.geo_code WHEN '30000' THEN 'num' ELSE 'den' END,
           '100 × West-Vlaanderen / Vlaams Gewest'
    FROM groups g CROSS JOIN areas a CROSS JOIN years y)
SELECT * FROM counts UNION ALL SELECT * FROM evolutions UNION ALL SELECT * FROM shares
