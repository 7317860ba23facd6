-- asset: tabel40
-- title: Tabel 40 recomputed from the appendix tables: regio's of West-Vlaanderen and 'niet toe te wijzen', 2019
-- publishes: B40
-- depends: B05 B06 B07 B08 B10 B11 B12 B16 B17 B18 B19 B20 B21 B22 B23 B24 B25 B27 B28 B29 B30 B31 B32 B33 B34 B35 B37 B38
--
-- Every line of Tabel 40 (2019) is rebuilt from the appendix table it summarises
-- (checks/rules/cross_table.yaml, family f, names the pairs):
--   * Lines with a regional split: the five regio columns take the source's 'Regio ...' rows (Tabel 17
--     prints 'Resoc Zuid-West-Vlaanderen', same area code); Tabel 28-30 (leren en werken) give ROP areas
--     instead, ROP X -> Regio X one to one, school year 2018-2019 -> 2019. 'Niet toe te wijzen aan een
--     regio' takes the source's 'Regio niet gekend' row where it has one (Tabel 24, Tabel 32; the
--     'Arr. niet gekend' row is the same people one level down and is not added again). The
--     West-Vlaanderen column takes the source's WEST-VLAANDEREN row.
--   * Lines with only a provincial figure (j TIW, r activiteitencoöperatie, x, y, z, a', b'): the
--     figure cannot be placed in a regio, so it goes entirely to 'niet toe te wijzen' and to
--     West-Vlaanderen; the regio cells stay blank. a' (arbeidszorg buiten AMA) is not printed as such in
--     the appendix: Tabel 37's Totaal includes AMA (Tabel 38) and activerende arbeidszorg WSE (Tabel 32),
--     so a' = Tabel 37 - Tabel 38 - Tabel 32.
--   * h invoegbedrijven: Tabel 16 has no regional split, but West-Vlaanderen is 0 in 2019, so no regio
--     can hold any (counts are never negative): the regio cells the report prints as 0 rest on that
--     West-Vlaanderen 0; 'niet toe te wijzen' is left blank like the report does.
--   * Subtotal lines are sums of this table's own cells, as the printed code says (structure below);
--     SINE (f) counts for 40% in trede 5 (and so in the grand total) and for 100% in 'individuele
--     inschakeling'. In a column a subtotal adds the parts that have a figure there (a blank part
--     counts 0, as the report reads its blanks).
WITH RECURSIVE
cols AS (SELECT DISTINCT column_label, geo_code FROM cells WHERE table_id = 'B40'),
-- lines with regio rows in their source: (Tabel 40 line, source table, breakdown column, ROP areas?)
regional(row_label, src, breakdown, rop) AS (VALUES
    ('Vlaamse Ondersteuningspremie (VOP)', 'B05', NULL, FALSE),
    ('RSZ-korting 54-plus', 'B06', NULL, FALSE),
    ('RSZ-korting jongeren', 'B07', NULL, FALSE),
    ('Aanwervingsincentive langdurig werkzoekenden', 'B08', NULL, FALSE),
    ('- Gesco (o.a. BKO)', 'B10', NULL, FALSE),
    ('SINE (in hervorming naar individueel maatwerk)', 'B11', NULL, FALSE),
    ('Lokale diensteneconomie (LDE)', 'B12', NULL, FALSE),
    ('Collectief maatwerk - maatwerkbedrijven en maatwerkafdelingen', 'B17', NULL, FALSE),
    ('Beroepsverkennende stages (BVS)', 'B19', NULL, FALSE),
    ('Art. 60 §7 van de OCMW-wetgeving', 'B20', 'Totaal', FALSE),
    ('Art. 61 van de OCMW-wetgeving', 'B21', 'Totaal', FALSE),
    ('Werkervaringsstage (WES)', 'B22', NULL, FALSE),
    ('Opleidingsstages (OS)', 'B23', NULL, FALSE),
    ('(laaggeschoolde) IBO', 'B24', 'Laaggeschoold', FALSE),
    ('Beroepsinlevingsstages (BIS, voorheen BIO)', 'B25', NULL, FALSE),
    ('Brugprojecten', 'B28', NULL, TRUE),
    ('Voortrajecten', 'B29', NULL, TRUE),
    ('Persoonlijke ontwikkelingstrajecten (POT)', 'B30', NULL, TRUE),
    ('Wijk-werken', 'B31', NULL, FALSE),
    ('Activerende arbeidszorg WSE', 'B32', NULL, FALSE)),
regional_edges AS (
    SELECT r.row_label, k.column_label, 'sum' AS op, c.table_id AS input_table, c.row_label AS input_row,
           c.column_label AS input_column, 1.0 AS coef, 'part' AS role,
           'Tabel ' || CAST(substr(r.src, 2) AS INTEGER) || ' (bijlage), '
           || CASE WHEN k.geo_code = 'NTW' THEN 'regio niet gekend'
                   WHEN k.geo_code = '30000' THEN 'West-Vlaanderen'
                   WHEN r.rop THEN replace(k.column_label, 'Regio ', 'ROP ') ELSE k.column_label END
           || CASE WHEN r.rop THEN ', schooljaar 2018-2019' ELSE ' 2019' END
           || coalesce(', ' || r.breakdown, '') AS formula
    FROM regional r CROSS JOIN cols k
    JOIN cells c ON c.table_id = r.src AND c.stat = 'count'
         AND coalesce(c.year, try_cast(right(c.school_year, 4) AS INTEGER)) = 2019
         AND c.breakdown IS NOT DISTINCT FROM r.breakdown
         AND ((k.geo_code LIKE 'REG-%'
               AND c.geo_code = CASE WHEN r.rop THEN replace(k.geo_code, 'REG-', 'ROP-') ELSE k.geo_code END)
              OR (k.geo_code = '30000' AND c.geo_code = '30000')
              OR (k.geo_code = 'NTW' AND c.geo_code = 'NG' AND c.row_label LIKE 'Regio %'))),
-- lines with a provincial figure only: (Tabel 40 line, source cell, weight, why)
provincial(row_label, src, src_row, src_column, coef, formula) AS (VALUES
    ('- Voorloper TWE-trajecten VDAB (TIW)', 'B18', 'Voorloper TWE-trajecten VDAB (TIW)', 'West-Vlaanderen | 2019', 1.0,
     'Tabel 18 (bijlage), West-Vlaanderen 2019; no regio split, so all niet toe te wijzen'),
    ('Activiteitencoöperatie', 'B27', 'Aantal mensen actief in traject', 'West-Vlaanderen | 2019', 1.0,
     'Tabel 27 (bijlage), mensen actief in traject, West-Vlaanderen 2019; no regio split, so all niet toe te wijzen'),
    ('Activeringstrajecten (werk- en zorgdecreet)', 'B33', 'Provincie West-Vlaanderen', '2019', 1.0,
     'Tabel 33 (bijlage), provincie West-Vlaanderen 2019; provinces only, so all niet toe te wijzen'),
    ('TAZ-trajecten Tris (Tender Activering Zorg)', 'B34', 'Provincie West-Vlaanderen', 'TAZ tris | 2019****', 1.0,
     'Tabel 34 (bijlage), TAZ tris, provincie West-Vlaanderen 2019; provinces only, so all niet toe te wijzen'),
    ('DAZ-trajecten (Doorstroom uit Arbeidszorg)', 'B35', 'WEST-VLAANDEREN', '2019', 1.0,
     'Tabel 35 (bijlage), West-Vlaanderen 2019; no regio split, so all niet toe te wijzen'),
    ('Arbeidszorg (buiten AMA)', 'B37', 'Totaal', 'West-Vlaanderen | 2019*', 1.0,
     'Tabel 37 Totaal (incl. AMA and activerende arbeidszorg WSE) - Tabel 38 AMA - Tabel 32 activerende '
     || 'arbeidszorg WSE, West-Vlaanderen 2019; trede 3 has no regio split, so all niet toe te wijzen'),
    ('Arbeidszorg (buiten AMA)', 'B38', 'Provincie West-Vlaanderen', '2019', -1.0,
     'Tabel 37 Totaal (incl. AMA and activerende arbeidszorg WSE) - Tabel 38 AMA - Tabel 32 activerende '
     || 'arbeidszorg WSE, West-Vlaanderen 2019; trede 3 has no regio split, so all niet toe te wijzen'),
    ('Arbeidszorg (buiten AMA)', 'B32', 'WEST-VLAANDEREN', '2019', -1.0,
     'Tabel 37 Totaal (incl. AMA and activerende arbeidszorg WSE) - Tabel 38 AMA - Tabel 32 activerende '
     || 'arbeidszorg WSE, West-Vlaanderen 2019; trede 3 has no regio split, so all niet toe te wijzen'),
    ('Arbeidsmatige activiteiten (AMA werk- en zorgdecreet)', 'B38', 'Provincie West-Vlaanderen', '2019', 1.0,
     'Tabel 38 (bijlage), provincie West-Vlaanderen 2019; trede 3 has no regio split, so all niet toe te wijzen')),
provincial_edges AS (
    SELECT p.row_label, k.column_label, 'sum', c.table_id, c.row_label, c.column_label, p.coef, 'part', p.formula
    FROM provincial p CROSS JOIN cols k
    JOIN cells c ON c.table_id = p.src AND c.row_label = p.src_row AND c.column_label = p.src_column
    WHERE k.geo_code IN ('NTW', '30000')),
-- h invoegbedrijven: Tabel 16 prints only West-Vlaanderen (0 in 2019)
invoeg_edges AS (
    SELECT 'Invoegbedrijven', k.column_label, 'sum', c.table_id, c.row_label, c.column_label, 1.0, 'part',
           CASE WHEN k.geo_code = '30000' THEN 'Tabel 16 (bijlage), West-Vlaanderen 2019'
                ELSE 'Tabel 16 (bijlage) has no regio split; West-Vlaanderen 2019 is 0, so no regio holds any' END
    FROM cols k
    JOIN cells c ON c.table_id = 'B16' AND c.geo_code = '30000' AND c.stat = 'count' AND c.year = 2019
    WHERE k.geo_code = '30000' OR k.geo_code LIKE 'REG-%'),
leaf_edges AS (
    SELECT * FROM regional_edges UNION ALL SELECT * FROM provincial_edges UNION ALL SELECT * FROM invoeg_edges),
-- subtotal lines: (line, formula as printed)
totals(total, formula) AS (VALUES
    ('TREDE 5 - BETAALD WERK MET ONDERSTEUNING',
     'a + b + c + d + e + 40% × f + g + h + i (SINE at 40%: the estimated part outside BW, SW and LDE)'),
    ('INDIVIDUELE INSCHAKELING', 'a t/m f (SINE in full)'),
    ('Doelgroepkortingen', 'a + b + c + d + e'),
    ('- Vlaams doelgroepenbeleid', 'a + b + c + d'),
    ('COLLECTIEVE INSCHAKELING', 'g t/m i'),
    ('Collectief maatwerk', 'h + i'),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'j t/m z'),
    ('Werkplekleren - Tijdelijke activerende trajecten', 'j (its only line: voorloper TWE-trajecten VDAB, TIW)'),
    ('Werkplekleren - Werkplekinstrumenten', 'k t/m q'),
    ('Leren en werken (in hervorming naar duaal leren)', 's t/m u'),
    ('Doorstroom / Activering uit arbeidszorg', 'w t/m z'),
    ('TREDE 3 - ARBEIDSMATIGE ACTIVITEITEN ONDER BEGELEIDING', 'a'' + b'''),
    ('TEWERKSTELLING EN PARTICIPATIE VAN PERSONEN UIT DE KANSENGROEPEN',
     'trede 3 + trede 4 + trede 5 (SINE enters at 40% through trede 5)')),
-- (total line, part line, weight)
structure(total, part, weight) AS (VALUES
    ('TREDE 5 - BETAALD WERK MET ONDERSTEUNING', 'Vlaamse Ondersteuningspremie (VOP)', 1.0),
    ('TREDE 5 - BETAALD WERK MET ONDERSTEUNING', 'RSZ-korting 54-plus', 1.0),
    ('TREDE 5 - BETAALD WERK MET ONDERSTEUNING', 'RSZ-korting jongeren', 1.0),
    ('TREDE 5 - BETAALD WERK MET ONDERSTEUNING', 'Aanwervingsincentive langdurig werkzoekenden', 1.0),
    ('TREDE 5 - BETAALD WERK MET ONDERSTEUNING', '- Gesco (o.a. BKO)', 1.0),
    ('TREDE 5 - BETAALD WERK MET ONDERSTEUNING', 'SINE (in hervorming naar individueel maatwerk)', 0.4),
    ('TREDE 5 - BETAALD WERK MET ONDERSTEUNING', 'Lokale diensteneconomie (LDE)', 1.0),
    ('TREDE 5 - BETAALD WERK MET ONDERSTEUNING', 'Invoegbedrijven', 1.0),
    ('TREDE 5 - BETAALD WERK MET ONDERSTEUNING', 'Collectief maatwerk - maatwerkbedrijven en maatwerkafdelingen', 1.0),
    ('INDIVIDUELE INSCHAKELING', 'Vlaamse Ondersteuningspremie (VOP)', 1.0),
    ('INDIVIDUELE INSCHAKELING', 'RSZ-korting 54-plus', 1.0),
    ('INDIVIDUELE INSCHAKELING', 'RSZ-korting jongeren', 1.0),
    ('INDIVIDUELE INSCHAKELING', 'Aanwervingsincentive langdurig werkzoekenden', 1.0),
    ('INDIVIDUELE INSCHAKELING', '- Gesco (o.a. BKO)', 1.0),
    ('INDIVIDUELE INSCHAKELING', 'SINE (in hervorming naar individueel maatwerk)', 1.0),
    ('Doelgroepkortingen', 'Vlaamse Ondersteuningspremie (VOP)', 1.0),
    ('Doelgroepkortingen', 'RSZ-korting 54-plus', 1.0),
    ('Doelgroepkortingen', 'RSZ-korting jongeren', 1.0),
    ('Doelgroepkortingen', 'Aanwervingsincentive langdurig werkzoekenden', 1.0),
    ('Doelgroepkortingen', '- Gesco (o.a. BKO)', 1.0),
    ('- Vlaams doelgroepenbeleid', 'Vlaamse Ondersteuningspremie (VOP)', 1.0),
    ('- Vlaams doelgroepenbeleid', 'RSZ-korting 54-plus', 1.0),
    ('- Vlaams doelgroepenbeleid', 'RSZ-korting jongeren', 1.0),
    ('- Vlaams doelgroepenbeleid', 'Aanwervingsincentive langdurig werkzoekenden', 1.0),
    ('COLLECTIEVE INSCHAKELING', 'Lokale diensteneconomie (LDE)', 1.0),
    ('COLLECTIEVE INSCHAKELING', 'Invoegbedrijven', 1.0),
    ('COLLECTIEVE INSCHAKELING', 'Collectief maatwerk - maatwerkbedrijven en maatwerkafdelingen', 1.0),
    ('Collectief maatwerk', 'Invoegbedrijven', 1.0),
    ('Collectief maatwerk', 'Collectief maatwerk - maatwerkbedrijven en maatwerkafdelingen', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', '- Voorloper TWE-trajecten VDAB (TIW)', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Beroepsverkennende stages (BVS)', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Art. 60 §7 van de OCMW-wetgeving', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Art. 61 van de OCMW-wetgeving', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Werkervaringsstage (WES)', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Opleidingsstages (OS)', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', '(laaggeschoolde) IBO', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Beroepsinlevingsstages (BIS, voorheen BIO)', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Activiteitencoöperatie', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Brugprojecten', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Voortrajecten', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Persoonlijke ontwikkelingstrajecten (POT)', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Wijk-werken', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Activerende arbeidszorg WSE', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'Activeringstrajecten (werk- en zorgdecreet)', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'TAZ-trajecten Tris (Tender Activering Zorg)', 1.0),
    ('TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 'DAZ-trajecten (Doorstroom uit Arbeidszorg)', 1.0),
    ('Werkplekleren - Tijdelijke activerende trajecten', '- Voorloper TWE-trajecten VDAB (TIW)', 1.0),
    ('Werkplekleren - Werkplekinstrumenten', 'Beroepsverkennende stages (BVS)', 1.0),
    ('Werkplekleren - Werkplekinstrumenten', 'Art. 60 §7 van de OCMW-wetgeving', 1.0),
    ('Werkplekleren - Werkplekinstrumenten', 'Art. 61 van de OCMW-wetgeving', 1.0),
    ('Werkplekleren - Werkplekinstrumenten', 'Werkervaringsstage (WES)', 1.0),
    ('Werkplekleren - Werkplekinstrumenten', 'Opleidingsstages (OS)', 1.0),
    ('Werkplekleren - Werkplekinstrumenten', '(laaggeschoolde) IBO', 1.0),
    ('Werkplekleren - Werkplekinstrumenten', 'Beroepsinlevingsstages (BIS, voorheen BIO)', 1.0),
    ('Leren en werken (in hervorming naar duaal leren)', 'Brugprojecten', 1.0),
    ('Leren en werken (in hervorming naar duaal leren)', 'Voortrajecten', 1.0),
    ('Leren en werken (in hervorming naar duaal leren)', 'Persoonlijke ontwikkelingstrajecten (POT)', 1.0),
    ('Doorstroom / Activering uit arbeidszorg', 'Activerende arbeidszorg WSE', 1.0),
    ('Doorstroom / Activering uit arbeidszorg', 'Activeringstrajecten (werk- en zorgdecreet)', 1.0),
    ('Doorstroom / Activering uit arbeidszorg', 'TAZ-trajecten Tris (Tender Activering Zorg)', 1.0),
    ('Doorstroom / Activering uit arbeidszorg', 'DAZ-trajecten (Doorstroom uit Arbeidszorg)', 1.0),
    ('TREDE 3 - ARBEIDSMATIGE ACTIVITEITEN ONDER BEGELEIDING', 'Arbeidszorg (buiten AMA)', 1.0),
    ('TREDE 3 - ARBEIDSMATIGE ACTIVITEITEN ONDER BEGELEIDING', 'Arbeidsmatige activiteiten (AMA werk- en zorgdecreet)', 1.0),
    ('TEWERKSTELLING EN PARTICIPATIE VAN PERSONEN UIT DE KANSENGROEPEN', 'TREDE 3 - ARBEIDSMATIGE ACTIVITEITEN ONDER BEGELEIDING', 1.0),
    ('TEWERKSTELLING EN PARTICIPATIE VAN PERSONEN UIT DE KANSENGROEPEN', 'TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN', 1.0),
    ('TEWERKSTELLING EN PARTICIPATIE VAN PERSONEN UIT DE KANSENGROEPEN', 'TREDE 5 - BETAALD WERK MET ONDERSTEUNING', 1.0)),
-- every line below a subtotal, at any depth
closure(total, part) AS (
    SELECT total, part FROM structure
    UNION
    SELECT c.total, s.part FROM closure c JOIN structure s ON s.total = c.part),
-- (line, column) pairs that get a figure: a leaf with a source cell, or a subtotal over at least one
filled AS (
    SELECT DISTINCT row_label, column_label FROM leaf_edges
    UNION
    SELECT c.total, l.column_label FROM closure c JOIN leaf_edges l ON l.row_label = c.part),
subtotal_edges AS (
    SELECT s.total AS row_label, f.column_label, 'sum' AS op, 'tabel40' AS input_table, s.part AS input_row,
           f.column_label AS input_column, s.weight AS coef, 'part' AS role,
           t.formula || CASE WHEN count(*) OVER (PARTITION BY s.total, f.column_label) < n.parts
                             THEN '; only the lines with a figure in this column (a blank counts 0)' ELSE '' END AS formula
    FROM structure s JOIN totals t USING (total)
    JOIN (SELECT total, count(*) AS parts FROM structure GROUP BY total) n USING (total)
    JOIN filled f ON f.row_label = s.part)
SELECT * FROM leaf_edges
UNION ALL
SELECT * FROM subtotal_edges
