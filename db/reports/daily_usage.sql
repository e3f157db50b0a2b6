-- Requests per organization and day over the last 30 days, busiest first within each day.
--   mariadb --table companin < db/reports/daily_usage.sql
SELECT day, organization_name, requests, errors_4xx, errors_5xx, throttled, avg_duration_ms
FROM report_daily_usage
WHERE day >= CURRENT_DATE - INTERVAL 30 DAY
ORDER BY day DESC, requests DESC;
