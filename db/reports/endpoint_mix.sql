-- The endpoint mix of the last 7 days per organization: requests, error rate and mean latency per route template.
--   mariadb --table companin < db/reports/endpoint_mix.sql
SELECT organization_name, method, route, SUM(requests) AS requests,
       ROUND(SUM(errors) / SUM(requests), 4) AS error_rate,
       ROUND(SUM(avg_duration_ms * requests) / SUM(requests), 2) AS avg_duration_ms
FROM report_endpoint_mix
WHERE day >= CURRENT_DATE - INTERVAL 7 DAY
GROUP BY organization_name, method, route
ORDER BY organization_name, requests DESC;
