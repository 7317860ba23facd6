-- asset: tabel39
-- title: Tabel 39 recomputed from the appendix tables: West-Vlaanderen and Vlaams Gewest, 2014-2019, shares and evolutions
-- publishes: B39
-- depends: B05 B06 B07 B08 B09 B10 B11 B12 B14 B15 B16 B17 B18 B19 B20 B21 B22 B23 B24 B25 B26 B27 B28 B29 B30 B31 B32 B33 B34 B35 B37 B38 B39
--
-- Every cell of Tabel 39 (52 lines x 22 columns) gets lineage edges:
--   * lettered lines (leaves), counts: the appendix count cell(s) the line repeats (`leaf_sources`),
--     West-Vlaanderen and Vlaams Gewest, for the years the source table has a cell ('--' included,
--     which recomputes to blank). Special cases:
--       i'  TAZ 2014-2016 = yearly increase of Tabel 34's cumulative 'TAZ bis ... waarvan BZ'
--           (eind Y - eind Y-1, coef +1 / -1); 2017-2019 = Tabel 34's 'TAZ tris' columns.
--       k'  arbeidszorg buiten AMA: 2014-2017 = Tabel 37 Totaal; 2018-2019 = Tabel 37 Totaal
--           - Tabel 38 (AMA, line l') - Tabel 32 (activerende arbeidszorg WSE, line g').
--       c' d' e'  Tabel 28-30 by school year: school year (Y-1)-Y is Tabel 39's year Y.
--       j, k  Tabel 14 / 15 up to 2018 only: in 2019 Tabel 39 prints collectief maatwerk as m and n.
--   * LINES WITHOUT AN APPENDIX SOURCE take the published Tabel 39 figure itself as input
--     (input_table 'B39', formula 'published Tabel 39 line X (no appendix source)'), so that their
--     shares and evolutions can be recomputed; their own count cells are therefore NOT independent checks:
--       b   Vlaamse tewerkstellingspremie 50+   (2014-2015)
--       r   GESCO-opleidingsprojecten           (2014-2017)
--       y   IBO interim                         (2014-2017)
--       m   Collectief maatwerk - maatwerkbedrijven  (2019)
--       n   Collectief maatwerk - maatwerkafdelingen (2019)
--     The subtotals use the copies of b, r and y (no other figure exists), but NOT those of m and n:
--     every subtotal that contains m and n takes Tabel 17's total (m + n, West-Vlaanderen / Vlaams
--     Gewest 2019) instead - pseudo-part 'm + n' in `structure`.
--   * a leaf count cell for a year no appendix table covers (e.g. line e before 2017) is published
--     blank; it gets one edge to that blank published cell (formula 'no appendix figure ...'), which
--     recomputes to blank, so that every cell carries lineage. Only blank published cells get such an
--     edge: a printed figure without a source would show up as a cell without lineage. These blank
--     placeholders are not summed into the subtotals.
--   * subtotal lines: op 'sum' over this table's derived cells with the printed weights (`structure`,
--     written out in full; 'x t/m y' = the single-letter lines from x to y in the order a..z, a'..l';
--     SINE (h) counts 40% in TREDE 5 and so in the grand total, 100% in INDIVIDUELE INSCHAKELING).
--   * shares: 100 x West-Vlaanderen / Vlaams Gewest of this table's recomputed counts, same year.
--   * evolutions: 100 x (2019 / 2014 - 1) and 100 x (2019 / 2018 - 1) of this table's recomputed counts.
WITH lines(ord, key, row_label) AS (VALUES
    -- key = the printed code, except the three tredes and the grand total (their codes are formulas)
    ( 1, 'trede 5',                   'TREDE 5 - BETAALD WERK MET ONDERSTEUNING'),
    ( 2, 'a t/m h',                   'INDIVIDUELE INSCHAKELING'),
    ( 3, 'a + b + c + d + e + f + g', 'Doelgroepkortingen'),
    ( 4, 'a + b + c + d + e',         '- Vlaams doelgroepenbeleid'),
    ( 5, 'a',   'Vlaamse Ondersteuningspremie (VOP)'),
    ( 6, 'b',   'Vlaamse tewerkstellingspremie 50+'),
    ( 7, 'c',   'RSZ-korting 54-plus'),
    ( 8, 'd',   'RSZ-korting jongeren'),
    ( 9, 'e',   'Aanwervingsincentive langdurig werkzoekenden (WSE)'),
    (10, 'f',   '- RSZ-korting langdurige werklozen'),
    (11, 'g',   '- Gesco (o.a. BKO)'),
    (12, 'h',   'SINE (in hervorming naar individueel maatwerk)'),
    (13, 'i t/m n', 'COLLECTIEVE INSCHAKELING'),
    (14, 'i',   'Lokale diensteneconomie (LDE)'),
    (15, 'j t/m n', 'Collectief maatwerk'),
    (16, 'j',   'Maatwerkbedrijven - beschutte werkplaatsen'),
    (17, 'k',   'Maatwerkbedrijven - sociale werkplaatsen'),
    (18, 'l',   'Invoegbedrijven'),
    (19, 'm',   'Collectief maatwerk - maatwerkbedrijven'),
    (20, 'n',   'Collectief maatwerk - maatwerkafdelingen'),
    (21, 'trede 4',   'TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN'),            -- printed code o t/m j'
    (22, 'o t/m r',   'Werkplekleren - Tijdelijke activerende trajecten'),
    (23, 'o + p + q', '- Voorloper TWE-trajecten VDAB (TIW)'),
    (24, 'o',   'Werkervaringsprojecten'),
    (25, 'p',   'SIW (Subsidie Intensief Werkplekleren)'),
    (26, 'q',   'TIW (Tender Intensief Werkplekleren)'),
    (27, 'r',   '- GESCO-opleidingsprojecten'),
    (28, 's t/m a''', 'Werkplekleren - Werkplekinstrumenten'),
    (29, 's',   'Beroepsverkennende stages (BVS)'),
    (30, 't',   'Art. 60 §7 van de OCMW-wetgeving'),
    (31, 'u',   'Art. 61 van de OCMW-wetgeving'),
    (32, 'v',   'Werkervaringsstage (WES)'),
    (33, 'w',   'Opleidingsstages (OS)'),
    (34, 'x',   '(laaggeschoolde) IBO'),
    (35, 'y',   'IBO interim'),
    (36, 'z',   'Beroepsinlevingsstages (BIS, voorheen BIO)'),
    (37, 'a''', 'Instapstages voor jongeren (ISS)'),
    (38, 'b''', 'Activiteitencoöperatie'),
    (39, 'c'' + d'' + e''', 'Leren en werken (in hervorming naar duaal leren)'),
    (40, 'c''', 'Brugprojecten'),
    (41, 'd''', 'Voortrajecten'),
    (42, 'e''', 'Persoonlijke ontwikkelingstrajecten (POT)'),
    (43, 'f''', 'Wijk-werken'),
    (44, 'g'' t/m j''', 'Doorstroom / Activering uit arbeidszorg'),
    (45, 'g''', 'Activerende arbeidszorg WSE'),
    (46, 'h''', 'Activeringstrajecten (werk- en zorgdecreet)'),
    (47, 'i''', 'TAZ-trajecten (Tender Activering Zorg)'),
    (48, 'j''', 'DAZ-trajecten (Doorstroom uit Arbeidszorg)'),
    (49, 'trede 3', 'TREDE 3 - ARBEIDSMATIGE ACTIVITEITEN ONDER BEGELEIDING'),  -- printed code k' + l'
    (50, 'k''', 'Arbeidszorg (buiten AMA)'),
    (51, 'l''', 'Arbeidsmatige activiteiten (AMA werk- en zorgdecreet)'),
    (52, 'total', 'TEWERKSTELLING EN ARBEIDSMATIGE PARTICIPATIE VAN PERSONEN UIT DE KANSENGROEPEN')
),
-- Subtotal structure, written out: (total, part, weight). Parts are lines of this table, except the
-- pseudo-part 'm + n' = Tabel 17's collectief maatwerk total (2019), which stands for m and n.
structure(total, part, weight) AS (VALUES
    -- TREDE 5, printed 'a + b + c + d + e + f + g + 40%h* + i + j + k + l + m + n'
    ('trede 5', 'a', 1.0), ('trede 5', 'b', 1.0), ('trede 5', 'c', 1.0), ('trede 5', 'd', 1.0),
    ('trede 5', 'e', 1.0), ('trede 5', 'f', 1.0), ('trede 5', 'g', 1.0), ('trede 5', 'h', 0.4),
    ('trede 5', 'i', 1.0), ('trede 5', 'j', 1.0), ('trede 5', 'k', 1.0), ('trede 5', 'l', 1.0),
    ('trede 5', 'm + n', 1.0),
    -- INDIVIDUELE INSCHAKELING, a t/m h (SINE at 100%)
    ('a t/m h', 'a', 1.0), ('a t/m h', 'b', 1.0), ('a t/m h', 'c', 1.0), ('a t/m h', 'd', 1.0),
    ('a t/m h', 'e', 1.0), ('a t/m h', 'f', 1.0), ('a t/m h', 'g', 1.0), ('a t/m h', 'h', 1.0),
    -- Doelgroepkortingen, a + b + c + d + e + f + g
    ('a + b + c + d + e + f + g', 'a', 1.0), ('a + b + c + d + e + f + g', 'b', 1.0),
    ('a + b + c + d + e + f + g', 'c', 1.0), ('a + b + c + d + e + f + g', 'd', 1.0),
    ('a + b + c + d + e + f + g', 'e', 1.0), ('a + b + c + d + e + f + g', 'f', 1.0),
    ('a + b + c + d + e + f + g', 'g', 1.0),
    -- Vlaams doelgroepenbeleid, a + b + c + d + e
    ('a + b + c + d + e', 'a', 1.0), ('a + b + c + d + e', 'b', 1.0), ('a + b + c + d + e', 'c', 1.0),
    ('a + b + c + d + e', 'd', 1.0), ('a + b + c + d + e', 'e', 1.0),
    -- COLLECTIEVE INSCHAKELING, i t/m n
    ('i t/m n', 'i', 1.0), ('i t/m n', 'j', 1.0), ('i t/m n', 'k', 1.0), ('i t/m n', 'l', 1.0),
    ('i t/m n', 'm + n', 1.0),
    -- Collectief maatwerk, j t/m n
    ('j t/m n', 'j', 1.0), ('j t/m n', 'k', 1.0), ('j t/m n', 'l', 1.0), ('j t/m n', 'm + n', 1.0),
    -- TREDE 4, printed o t/m j'
    ('trede 4', 'o', 1.0), ('trede 4', 'p', 1.0), ('trede 4', 'q', 1.0), ('trede 4', 'r', 1.0),
    ('trede 4', 's', 1.0), ('trede 4', 't', 1.0), ('trede 4', 'u', 1.0), ('trede 4', 'v', 1.0),
    ('trede 4', 'w', 1.0), ('trede 4', 'x', 1.0), ('trede 4', 'y', 1.0), ('trede 4', 'z', 1.0),
    ('trede 4', 'a''', 1.0), ('trede 4', 'b''', 1.0), ('trede 4', 'c''', 1.0), ('trede 4', 'd''', 1.0),
    ('trede 4', 'e''', 1.0), ('trede 4', 'f''', 1.0), ('trede 4', 'g''', 1.0), ('trede 4', 'h''', 1.0),
    ('trede 4', 'i''', 1.0), ('trede 4', 'j''', 1.0),
    -- Werkplekleren - tijdelijke activerende trajecten, o t/m r
    ('o t/m r', 'o', 1.0), ('o t/m r', 'p', 1.0), ('o t/m r', 'q', 1.0), ('o t/m r', 'r', 1.0),
    -- Voorloper TWE-trajecten VDAB, o + p + q
    ('o + p + q', 'o', 1.0), ('o + p + q', 'p', 1.0), ('o + p + q', 'q', 1.0),
    -- Werkplekleren - werkplekinstrumenten, s t/m a'
    ('s t/m a''', 's', 1.0), ('s t/m a''', 't', 1.0), ('s t/m a''', 'u', 1.0), ('s t/m a''', 'v', 1.0),
    ('s t/m a''', 'w', 1.0), ('s t/m a''', 'x', 1.0), ('s t/m a''', 'y', 1.0), ('s t/m a''', 'z', 1.0),
    ('s t/m a''', 'a''', 1.0),
    -- Leren en werken, c' + d' + e'
    ('c'' + d'' + e''', 'c''', 1.0), ('c'' + d'' + e''', 'd''', 1.0), ('c'' + d'' + e''', 'e''', 1.0),
    -- Doorstroom / activering uit arbeidszorg, g' t/m j'
    ('g'' t/m j''', 'g''', 1.0), ('g'' t/m j''', 'h''', 1.0), ('g'' t/m j''', 'i''', 1.0),
    ('g'' t/m j''', 'j''', 1.0),
    -- TREDE 3, printed k' + l'
    ('trede 3', 'k''', 1.0), ('trede 3', 'l''', 1.0),
    -- grand total, printed 'trede 3 + trede 4 + trede 5'
    ('total', 'trede 3', 1.0), ('total', 'trede 4', 1.0), ('total', 'trede 5', 1.0)
),
-- Leaf lines and the appendix cells they repeat. src_row NULL = the table's West-Vlaanderen and
-- Vlaams Gewest count rows (geo 30000 / 02000, 'Provincie West-Vlaanderen' where so labelled);
-- src_breakdown restricts to one column group; the source year is Tabel 39's year + year_shift
-- (school years (Y-1)-Y count as Y).
leaf_sources(key, src_table, src_row, src_breakdown, coef, year_shift, y_from, y_to) AS (VALUES
    ('a',   'B05', NULL, NULL, 1.0, 0, 2014, 2019),
    ('c',   'B06', NULL, NULL, 1.0, 0, 2014, 2019),
    ('d',   'B07', NULL, NULL, 1.0, 0, 2014, 2019),
    ('e',   'B08', NULL, NULL, 1.0, 0, 2017, 2019),
    ('f',   'B09', NULL, NULL, 1.0, 0, 2014, 2018),
    ('g',   'B10', NULL, NULL, 1.0, 0, 2014, 2019),
    ('h',   'B11', NULL, NULL, 1.0, 0, 2014, 2019),      -- annual averages (rounded)
    ('i',   'B12', NULL, NULL, 1.0, 0, 2014, 2019),
    ('j',   'B14', 'Totaal personen met een afstand tot de arbeidsmarkt', NULL, 1.0, 0, 2014, 2018),
    ('k',   'B15', NULL, NULL, 1.0, 0, 2014, 2018),
    ('l',   'B16', NULL, NULL, 1.0, 0, 2014, 2019),
    ('o',   'B18', 'Werkervaringsprojecten (tot eind 2015)', NULL, 1.0, 0, 2014, 2019),
    ('p',   'B18', 'SIW (Subsidie Intensief Werkplekleren) (2015-2016)', NULL, 1.0, 0, 2014, 2019),
    ('q',   'B18', 'TIW (Tender Intensief Werkplekleren) (2016-2018)', NULL, 1.0, 0, 2014, 2019),
    ('s',   'B19', NULL, NULL, 1.0, 0, 2014, 2019),
    ('t',   'B20', NULL, 'Totaal', 1.0, 0, 2014, 2019),
    ('u',   'B21', NULL, 'Totaal', 1.0, 0, 2014, 2019),
    ('v',   'B22', NULL, NULL, 1.0, 0, 2017, 2019),
    ('w',   'B23', NULL, NULL, 1.0, 0, 2014, 2019),
    ('x',   'B24', NULL, 'Laaggeschoold', 1.0, 0, 2014, 2019),
    ('z',   'B25', NULL, NULL, 1.0, 0, 2014, 2019),
    ('a''', 'B26', NULL, NULL, 1.0, 0, 2014, 2018),
    ('b''', 'B27', 'Aantal mensen actief in traject', NULL, 1.0, 0, 2014, 2019),
    ('c''', 'B28', NULL, NULL, 1.0, 0, 2014, 2019),     -- school year (Y-1)-Y
    ('d''', 'B29', NULL, NULL, 1.0, 0, 2014, 2019),     -- school year (Y-1)-Y
    ('e''', 'B30', NULL, NULL, 1.0, 0, 2014, 2019),     -- school year (Y-1)-Y
    ('f''', 'B31', NULL, NULL, 1.0, 0, 2014, 2019),
    ('g''', 'B32', NULL, NULL, 1.0, 0, 2018, 2019),
    ('h''', 'B33', NULL, NULL, 1.0, 0, 2018, 2019),
    -- i' TAZ: 2014-2016 yearly increase of the cumulative 'waarvan BZ'; 2017-2019 TAZ tris
    ('i''', 'B34', NULL, 'BZ', 1.0, 0, 2014, 2016),
    ('i''', 'B34', NULL, 'BZ', -1.0, -1, 2014, 2016),
    ('i''', 'B34', NULL, NULL, 1.0, 0, 2017, 2019),
    ('j''', 'B35', NULL, NULL, 1.0, 0, 2014, 2019),
    -- k' arbeidszorg buiten AMA: Tabel 37 Totaal; from 2018 minus AMA (Tabel 38) and activerende
    -- arbeidszorg WSE (Tabel 32), which Tabel 37 includes from then on
    ('k''', 'B37', 'Totaal', NULL, 1.0, 0, 2014, 2019),
    ('k''', 'B38', NULL, NULL, -1.0, 0, 2018, 2019),
    ('k''', 'B32', NULL, NULL, -1.0, 0, 2018, 2019),
    ('l''', 'B38', NULL, NULL, 1.0, 0, 2018, 2019)
),
-- lines with no appendix source: the published Tabel 39 figure is the input (see header)
unsourced(key) AS (VALUES ('b'), ('r'), ('y'), ('m'), ('n')),
areas(geo_code, area) AS (VALUES ('30000', 'West-Vlaanderen'), ('02000', 'Vlaams Gewest')),
years(year) AS (VALUES (2014), (2015), (2016), (2017), (2018), (2019)),
count_columns AS (
    SELECT a.geo_code, a.area, y.year, a.area || ' | ' || y.year AS column_label
    FROM areas a CROSS JOIN years y),
source_cells AS (
    SELECT c.*,
           CASE WHEN c.geo_code IN ('30000', '02000') THEN c.geo_code
                WHEN c.column_label LIKE 'West-Vlaanderen |%' THEN '30000'      -- Tabel 37 Totaal (geo 'TOT')
                WHEN c.column_label LIKE 'Vlaams Gewest |%' THEN '02000' END AS geo,
           coalesce(c.year, CAST(right(c.school_year, 4) AS INTEGER)) AS tyear,
           'Tabel ' || CAST(substr(c.table_id, 2) AS INTEGER) || ', ' || c.row_label
               || CASE WHEN c.column_label LIKE '%|%' THEN ', ' ELSE ' ' END || c.column_label
               || CASE WHEN c.school_year IS NOT NULL
                       THEN ' (school year = ' || right(c.school_year, 4) || ')' ELSE '' END AS term
    FROM cells c
    WHERE c.stat = 'count' AND c.table_id IN (SELECT src_table FROM leaf_sources UNION SELECT 'B17')),
leaf_raw AS (
    SELECT l.row_label, k.column_label, s.src_table AS input_table, c.row_label AS input_row,
           c.column_label AS input_column, s.coef, c.term, l.ord
    FROM leaf_sources s
    JOIN lines l ON l.key = s.key
    JOIN count_columns k ON k.year BETWEEN s.y_from AND s.y_to
    JOIN source_cells c ON c.table_id = s.src_table AND c.geo = k.geo_code AND c.tyear = k.year + s.year_shift
         AND (s.src_row IS NULL OR c.row_label = s.src_row)
         AND (s.src_breakdown IS NULL OR c.breakdown = s.src_breakdown)
         AND (s.src_row IS NOT NULL OR c.geo_code IN ('30000', '02000'))),
leaf_formula AS (
    SELECT row_label, column_label,
           ltrim(string_agg(CASE WHEN coef < 0 THEN ' − ' ELSE ' + ' END || term, ''
                            ORDER BY coef DESC, input_table, term), ' +') AS formula
    FROM leaf_raw GROUP BY row_label, column_label),
leaf_edges AS (
    SELECT r.row_label, r.column_label, 'sum' AS op, r.input_table, r.input_row, r.input_column,
           r.coef, 'part' AS role, f.formula
    FROM leaf_raw r JOIN leaf_formula f USING (row_label, column_label)),
-- leaf count cells no appendix cell covers: unsourced lines take the published figure; other lines
-- are published blank for these years and point at that blank cell
coverage AS (
    SELECT s.key, string_agg(DISTINCT 'Tabel ' || CAST(substr(s.src_table, 2) AS INTEGER), ', '
                      ORDER BY 'Tabel ' || CAST(substr(s.src_table, 2) AS INTEGER))
               || ' (' || min(s.y_from) || '-' || max(s.y_to) || ')' AS note
    FROM leaf_sources s GROUP BY s.key),
published_edges AS (
    SELECT l.row_label, k.column_label, 'sum' AS op, 'B39' AS input_table, p.row_label AS input_row,
           p.column_label AS input_column, 1.0 AS coef, 'part' AS role,
           CASE WHEN u.key IS NOT NULL AND p.value IS NOT NULL
                THEN 'published Tabel 39 line ' || l.key || ' (no appendix source)'
                WHEN u.key IS NOT NULL THEN 'line ' || l.key || ' has no appendix source; published blank'
                ELSE 'no appendix figure for ' || k.year || ': ' || cv.note || '; published blank' END AS formula,
           p.value IS NULL AS blank
    FROM lines l
    CROSS JOIN count_columns k
    JOIN cells p ON p.table_id = 'B39' AND p.row_label = l.row_label AND p.column_label = k.column_label
    LEFT JOIN unsourced u ON u.key = l.key
    LEFT JOIN coverage cv ON cv.key = l.key
    WHERE l.key NOT IN (SELECT total FROM structure)
      AND NOT EXISTS (SELECT 1 FROM leaf_edges e WHERE e.row_label = l.row_label AND e.column_label = k.column_label)
      AND (u.key IS NOT NULL OR (p.value IS NULL AND coalesce(p.marker, '') = ''))),
-- subtotals: weighted sums of this table's cells; 'm + n' = Tabel 17 (2019 only)
subtotal_formula AS (
    SELECT s.total,
           string_agg(CASE WHEN s.weight = 1 THEN '' ELSE CAST(s.weight AS VARCHAR) || ' × ' END
                      || CASE s.part WHEN 'm + n' THEN '(m + n from Tabel 17)' ELSE s.part END, ' + '
                      ORDER BY CASE WHEN s.total = 'total' THEN -p.ord ELSE coalesce(p.ord, 19.5) END, s.part) AS formula
    FROM structure s LEFT JOIN lines p ON p.key = s.part GROUP BY s.total),
subtotal_edges AS (
    SELECT t.row_label, k.column_label, 'sum' AS op,
           CASE WHEN s.part = 'm + n' THEN 'B17' ELSE 'tabel39' END AS input_table,
           CASE WHEN s.part = 'm + n' THEN c.row_label ELSE p.row_label END AS input_row,
           CASE WHEN s.part = 'm + n' THEN c.column_label ELSE k.column_label END AS input_column,
           s.weight AS coef, 'part' AS role, f.formula
    FROM structure s
    JOIN lines t ON t.key = s.total
    JOIN subtotal_formula f ON f.total = s.total
    CROSS JOIN count_columns k
    LEFT JOIN lines p ON p.key = s.part
    LEFT JOIN source_cells c ON s.part = 'm + n' AND c.table_id = 'B17' AND c.geo = k.geo_code
         AND c.tyear = k.year
    WHERE (s.part <> 'm + n' OR c.cell IS NOT NULL)
      -- a part that is only a blank placeholder for this year (no figure anywhere) is left out
      AND NOT EXISTS (SELECT 1 FROM published_edges b WHERE b.blank AND b.row_label = p.row_label
                      AND b.column_label = k.column_label)),
count_edges AS (
    SELECT * FROM leaf_edges
    UNION ALL SELECT * EXCLUDE (blank) FROM published_edges
    UNION ALL SELECT * FROM subtotal_edges),
shares AS (
    SELECT l.row_label, 'Aandeel West-Vlaanderen in Vlaams Gewest | ' || k.year AS column_label, 'share' AS op,
           'tabel39' AS input_table, l.row_label AS input_row, k.column_label AS input_column, 1.0 AS coef,
           CASE k.geo_code WHEN '30000' THEN 'num' ELSE 'den' END AS role,
           '100 × West-Vlaanderen ' || k.year || ' / Vlaams Gewest ' || k.year AS formula
    FROM lines l CROSS JOIN count_columns k),
spans(y1, y2) AS (VALUES (2014, 2019), (2018, 2019)),
evolutions AS (
    SELECT l.row_label, 'Evolutie ' || s.y1 || '-' || s.y2 || ' | ' || k.area AS column_label, 'evolution' AS op,
           'tabel39' AS input_table, l.row_label AS input_row, k.column_label AS input_column, 1.0 AS coef,
           CASE k.year WHEN s.y1 THEN 'base' ELSE 'current' END AS role,
           '100 × (' || k.area || ' ' || s.y2 || ' / ' || k.area || ' ' || s.y1 || ' − 1)' AS formula
    FROM lines l CROSS JOIN spans s JOIN count_columns k ON k.year IN (s.y1, s.y2))
SELECT row_label, column_label, op, input_table, input_row, input_column, CAST(coef AS DOUBLE) AS coef, role, formula
FROM (SELECT * FROM count_edges UNION ALL SELECT * FROM shares UNION ALL SELECT * FROM evolutions)
ORDER BY row_label, column_label, input_table, input_row, input_column
