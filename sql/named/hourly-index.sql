-- Hourly index per instrument: directionality S = (up - down) / (up + constant + down) and net sentiment per UTC hour, with that
-- hour's New York wall-clock time beside it. Columns and rules as in daily-index. New York is UTC-5, and UTC-4 in daylight time,
-- which US law has run since 2007 from 2:00 on the second Sunday of March to 2:00 on the first Sunday of November (1987 to 2006:
-- first Sunday of April to last Sunday of October); the offset is worked out here rather than with AT TIME ZONE, whose answer on
-- a plain timestamp depends on the session's time zone.
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
),
picked AS (
  SELECT
    h.published_at,
    h.price_direction,
    h.label,
    h.score,
    t.symbol,
    -- Seconds and days since Sunday 1899-12-31, so that a day number modulo 7 is its weekday (0 for Sunday).
    date_diff('second', TIMESTAMP '1899-12-31 00:00:00', h.published_at) AS at_second,
    date_diff('day', DATE '1899-12-31', CAST(CAST(h.year AS VARCHAR) || CASE WHEN h.year >= 2007 THEN '-03-08' ELSE '-04-01' END AS DATE))
      AS daylight_from_day,
    date_diff('day', DATE '1899-12-31', CAST(CAST(h.year AS VARCHAR) || CASE WHEN h.year >= 2007 THEN '-11-01' ELSE '-10-25' END AS DATE))
      AS daylight_until_day
  FROM headline_sentiment h
  CROSS JOIN bounds b
  CROSS JOIN UNNEST(h.symbols) AS t (symbol)
  WHERE h.year * 10000 + h.month * 100 + h.day BETWEEN b.first_key AND b.last_key
    AND (b.instrument IS NULL OR t.symbol = b.instrument)
),
new_york AS (
  SELECT
    *,
    -- Daylight time starts at 7:00 UTC on the first Sunday on or after its day, and ends at 6:00 UTC likewise.
    at_second >= (daylight_from_day + (7 - daylight_from_day % 7) % 7) * 86400 + 7 * 3600
      AND at_second < (daylight_until_day + (7 - daylight_until_day % 7) % 7) * 86400 + 6 * 3600 AS daylight
  FROM picked
)
SELECT
  date_trunc('hour', published_at) AS hour_utc,
  date_trunc('hour', published_at) - CASE WHEN daylight THEN INTERVAL '4' HOUR ELSE INTERVAL '5' HOUR END AS hour_new_york,
  symbol,
  count(*) AS headlines,
  count_if(price_direction = 'up') AS headlines_up,
  count_if(price_direction = 'constant') AS headlines_constant,
  count_if(price_direction = 'down') AS headlines_down,
  round(
    CAST(count_if(price_direction = 'up') - count_if(price_direction = 'down') AS DOUBLE)
      / nullif(count_if(price_direction IN ('up', 'constant', 'down')), 0),
    4
  ) AS directionality,
  round(CAST(count_if(label = 'positive') - count_if(label = 'negative') AS DOUBLE) / count(*), 4) AS sentiment_index,
  round(avg(CASE label WHEN 'positive' THEN score WHEN 'negative' THEN -score ELSE 0 END), 4) AS confidence_weighted
FROM new_york
GROUP BY 1, 2, 3
ORDER BY 1, 3
