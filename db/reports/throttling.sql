-- Who hit their hourly limit in the last 7 days: throttled requests per organization and key.
--   mariadb --table companin < db/reports/throttling.sql
SELECT organization_name, key_name, api_key_id, limit_per_hour, SUM(requests) AS requests, SUM(throttled) AS throttled,
       ROUND(SUM(throttled) / SUM(requests), 4) AS throttled_share
FROM report_throttling
WHERE day >= CURRENT_DATE - INTERVAL 7 DAY
GROUP BY organization_name, key_name, api_key_id, limit_per_hour
ORDER BY throttled DESC, requests DESC;
