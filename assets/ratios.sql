-- asset: ratios
-- title: Headline ratios quoted in the report: share of trede 5, 4 and 3 in all places, and places per 100 salaried jobs
-- depends: tabel39
-- external: loontrekkenden West-Vlaanderen = 433 385 on 31 December 2018 (RSZ; report text lines 457, 546 and 731, where the report divides the 2019 places by it)
-- Shares are recomputed from the recomputed Tabel 39 (never from printed percentages). The salaried-job
-- denominator is not in any table: it is an external input, declared above with its source.
WITH lines(row_label, part) AS (VALUES
    ('Aandeel trede 5 in treden 3-5', 'TREDE 5 - BETAALD WERK MET ONDERSTEUNING'),
    ('Aandeel trede 4 in treden 3-5', 'TREDE 4 - TIJDELIJKE ACTIVERENDE TRAJECTEN'),
    ('Aandeel trede 3 in treden 3-5', 'TREDE 3 - ARBEIDSMATIGE ACTIVITEITEN ONDER BEGELEIDING')),
total(row_label) AS (VALUES ('TEWERKSTELLING EN ARBEIDSMATIGE PARTICIPATIE VAN PERSONEN UIT DE KANSENGROEPEN')),
columns(column_label) AS (VALUES ('West-Vlaanderen | 2018'), ('West-Vlaanderen | 2019'),
                                 ('Vlaams Gewest | 2018'), ('Vlaams Gewest | 2019'))
SELECT l.row_label, c.column_label, 'share' AS op, 'tabel39' AS input_table, l.part AS input_row,
       c.column_label AS input_column, 1.0 AS coef, 'num' AS role, '100 × trede / treden 3 + 4 + 5' AS formula
FROM lines l CROSS JOIN columns c
UNION ALL
SELECT l.row_label, c.column_label, 'share', 'tabel39', t.row_label, c.column_label, 1.0, 'den',
       '100 × trede / treden 3 + 4 + 5'
FROM lines l CROSS JOIN columns c CROSS JOIN total t
UNION ALL
SELECT 'Plaatsen treden 3-5 per 100 loontrekkenden', 'West-Vlaanderen | 2019', 'share', 'tabel39', t.row_label,
       'West-Vlaanderen | 2019', 1.0, 'num', '100 × places 2019 / loontrekkenden 31/12/2018 (external)'
FROM total t
UNION ALL
SELECT 'Plaatsen treden 3-5 per 100 loontrekkenden', 'West-Vlaanderen | 2019', 'share', 'external',
       'loontrekkenden West-Vlaanderen (RSZ)', '31/12/2018', 433385, 'den',
       '100 × places 2019 / loontrekkenden 31/12/2018 (external)'
