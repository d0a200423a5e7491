-- Label distribution per source: headlines per label and the label's share of the source's headlines, in percent.
SELECT
  coalesce(source, '(none)') AS source,
  label,
  count(*) AS headlines,
  round(100 * CAST(count(*) AS DOUBLE) / sum(count(*)) OVER (PARTITION BY coalesce(source, '(none)')), 2) AS share_pct
FROM headline_sentiment
GROUP BY 1, 2
ORDER BY 1, 3 DESC, 2
