-- Daily index per instrument and UTC day: directionality S = (up - down) / (up + constant + down) from price_direction, and net sentiment.
-- Net sentiment is (positive - negative) / headlines, plain and confidence-weighted. A headline counts once for each instrument in
-- symbols (the file's and those tagged from the text). S is null on a day whose headlines state no price move. Runs unchanged on Athena.
-- param: from  the first UTC day, YYYY-MM-DD (default: the first in the lake)
-- param: to  the last UTC day, YYYY-MM-DD (default: the last in the lake)
-- param: instrument  one instrument, e.g. XAU (default: every one)
WITH chosen AS (
  SELECT CAST(? AS DATE) AS first_day, CAST(? AS DATE) AS last_day, upper(CAST(? AS VARCHAR)) AS instrument
),
bounds AS (
  SELECT
    instrument,
    coalesce(year(first_day) * 10000 + month(first_day) * 100 + day(first_day), 0) AS first_key,
    coalesce(year(last_day) * 10000 + month(last_day) * 100 + day(last_day), 99999999) AS last_key
  FROM chosen
)
SELECT
  CAST(h.published_at AS DATE) AS published_date,
  t.symbol,
  count(*) AS headlines,
  count_if(h.price_direction = 'up') AS headlines_up,
  count_if(h.price_direction = 'constant') AS headlines_constant,
  count_if(h.price_direction = 'down') AS headlines_down,
  round(
    CAST(count_if(h.price_direction = 'up') - count_if(h.price_direction = 'down') AS DOUBLE)
      / nullif(count_if(h.price_direction IN ('up', 'constant', 'down')), 0),
    4
  ) AS directionality,
  round(CAST(count_if(h.label = 'positive') - count_if(h.label = 'negative') AS DOUBLE) / count(*), 4) AS sentiment_index,
  round(avg(CASE h.label WHEN 'positive' THEN h.score WHEN 'negative' THEN -h.score ELSE 0 END), 4) AS confidence_weighted
FROM headline_sentiment h
CROSS JOIN bounds b
CROSS JOIN UNNEST(h.symbols) AS t (symbol)
WHERE h.year * 10000 + h.month * 100 + h.day BETWEEN b.first_key AND b.last_key
  AND (b.instrument IS NULL OR t.symbol = b.instrument)
GROUP BY 1, 2
ORDER BY 1, 2
