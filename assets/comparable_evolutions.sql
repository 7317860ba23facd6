-- asset: comparable_evolutions
-- title: Evolutions on a comparable basis beside the printed ones, where a measure was replaced or split (sources: sources/reference/measure_links.csv)
-- depends: tabel39
-- Each row stands beside the Tabel 39 line of the successor measure (same row and column labels), so
-- `ladder trace` shows it next to the printed evolution. The base year sums the predecessor lines, the
-- current year the successor lines, all from the recomputed Tabel 39.
WITH basis(row_label, span, y1, y2, side, part) AS (VALUES
    -- collectief maatwerk 2019 against beschutte + sociale werkplaatsen (+ invoegbedrijven) 2018
    ('Collectief maatwerk', '2018-2019', 2018, 2019, 'base', 'Maatwerkbedrijven - beschutte werkplaatsen'),
    ('Collectief maatwerk', '2018-2019', 2018, 2019, 'base', 'Maatwerkbedrijven - sociale werkplaatsen'),
    ('Collectief maatwerk', '2018-2019', 2018, 2019, 'current', 'Collectief maatwerk - maatwerkbedrijven'),
    ('Collectief maatwerk', '2018-2019', 2018, 2019, 'current', 'Collectief maatwerk - maatwerkafdelingen'),
    -- aanwervingsincentive replaced the RSZ-korting langdurige werklozen (2017-2018 overlap)
    ('Aanwervingsincentive langdurig werkzoekenden (WSE)', '2018-2019', 2018, 2019, 'base', 'Aanwervingsincentive langdurig werkzoekenden (WSE)'),
    ('Aanwervingsincentive langdurig werkzoekenden (WSE)', '2018-2019', 2018, 2019, 'base', '- RSZ-korting langdurige werklozen'),
    ('Aanwervingsincentive langdurig werkzoekenden (WSE)', '2018-2019', 2018, 2019, 'current', 'Aanwervingsincentive langdurig werkzoekenden (WSE)'),
    -- trede 3: arbeidszorg was split into arbeidszorg buiten AMA + AMA from mid-2018
    ('Arbeidszorg (buiten AMA)', '2014-2019', 2014, 2019, 'base', 'Arbeidszorg (buiten AMA)'),
    ('Arbeidszorg (buiten AMA)', '2014-2019', 2014, 2019, 'current', 'Arbeidszorg (buiten AMA)'),
    ('Arbeidszorg (buiten AMA)', '2014-2019', 2014, 2019, 'current', 'Arbeidsmatige activiteiten (AMA werk- en zorgdecreet)'),
    -- activeringstrajecten succeeded the TAZ-trajecten (2018)
    ('Activeringstrajecten (werk- en zorgdecreet)', '2018-2019', 2018, 2019, 'base', 'Activeringstrajecten (werk- en zorgdecreet)'),
    ('Activeringstrajecten (werk- en zorgdecreet)', '2018-2019', 2018, 2019, 'base', 'TAZ-trajecten (Tender Activering Zorg)'),
    ('Activeringstrajecten (werk- en zorgdecreet)', '2018-2019', 2018, 2019, 'current', 'Activeringstrajecten (werk- en zorgdecreet)'),
    ('Activeringstrajecten (werk- en zorgdecreet)', '2018-2019', 2018, 2019, 'current', 'TAZ-trajecten (Tender Activering Zorg)')),
areas(area) AS (VALUES ('West-Vlaanderen'), ('Vlaams Gewest'))
SELECT b.row_label, 'Evolutie ' || b.span || ' | ' || a.area AS column_label, 'evolution' AS op,
       'tabel39' AS input_table, b.part AS input_row,
       a.area || ' | ' || CASE b.side WHEN 'base' THEN b.y1 ELSE b.y2 END AS input_column, 1.0 AS coef,
       b.side AS role,
       '100 × (successors ' || b.y2 || ' / predecessors ' || b.y1 || ' − 1)' AS formula
FROM basis b CROSS JOIN areas a
