-- asset: body_tabel2
-- title: Body Tabel 2 recomputed: places per measure, West-Vlaanderen and Vlaams Gewest, 2018-2019, shares and evolution
-- depends: tabel39
-- The printed body Tabel 2 is an image in the report (its figures are not in the text), so this table
-- has nothing to be compared with; it carries the 2018-2019 slice of the recomputed Tabel 39 with
-- shares and the 2018-2019 evolution recomputed from those counts.
WITH lines AS (SELECT DISTINCT row_label FROM cells WHERE table_id = 'B39'),
areas(area) AS (VALUES ('West-Vlaanderen'), ('Vlaams Gewest')),
years(year) AS (VALUES (2018), (2019))
SELECT l.row_label, a.area || ' | ' || y.year AS column_label, 'sum' AS op, 'tabel39' AS input_table,
       l.row_label AS input_row, a.area || ' | ' || y.year AS input_column, 1.0 AS coef, 'part' AS role,
       'recomputed Tabel 39' AS formula
FROM lines l CROSS JOIN areas a CROSS JOIN years y
UNION ALL
SELECT l.row_label, 'Aandeel West-Vlaanderen in Vlaams Gewest | ' || y.year, 'share', 'body_tabel2', l.row_label,
       a.area || ' | ' || y.year, 1.0, CASE a.area WHEN 'West-Vlaanderen' THEN 'num' ELSE 'den' END,
       '100 × West-Vlaanderen / Vlaams Gewest'
FROM lines l CROSS JOIN areas a CROSS JOIN years y
UNION ALL
SELECT l.row_label, a.area || ' | Evolutie 2018-2019', 'evolution', 'body_tabel2', l.row_label, a.area || ' | ' || y.year,
       1.0, CASE y.year WHEN 2018 THEN 'base' ELSE 'current' END, '100 × (2019 / 2018 − 1)'
FROM lines l CROSS JOIN areas a CROSS JOIN years y
