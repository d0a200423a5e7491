-- Daily sentiment index per symbol, -1 (all negative) to 1 (all positive): (positive - negative) / headlines, and confidence-weighted.
-- A headline counts once for each symbol it mentions; the day is the UTC publication date. Runs unchanged on Athena.
SELECT
  CAST(published_at AS DATE) AS published_date,
  symbol,
  count(*) AS headlines,
  round(CAST(count_if(label = 'positive') - count_if(label = 'negative') AS DOUBLE) / count(*), 4) AS sentiment_index,
  round(avg(CASE label WHEN 'positive' THEN score WHEN 'negative' THEN -score ELSE 0 END), 4) AS confidence_weighted
FROM headline_sentiment
CROSS JOIN UNNEST(symbols) AS t (symbol)
GROUP BY 1, 2
ORDER BY 1, 2
