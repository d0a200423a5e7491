-- The 20 most negative headlines of one UTC day, most confident first.
-- param: date  the UTC day, YYYY-MM-DD (default: the latest day in the lake)
WITH chosen AS (
  SELECT coalesce(CAST(? AS DATE), (SELECT max(CAST(published_at AS DATE)) FROM headline_sentiment)) AS day_of
)
SELECT h.published_at, h.score, h.intensity, h.symbols, h.source, h.headline
FROM headline_sentiment h
CROSS JOIN chosen
WHERE h.label = 'negative'
  AND h.year = year(chosen.day_of) AND h.month = month(chosen.day_of) AND h.day = day(chosen.day_of)
ORDER BY h.score DESC, h.published_at, h.id
LIMIT 20
