-- Reporting views for DBAs and the read-only reporting account (`companin db grant-reporting USER`).
-- They read the rollups and the conversation tables; none shows a key, a key prefix, a message's
-- text, a feedback comment or a visitor's contact details. Columns: db/reports/README.md.

CREATE OR REPLACE VIEW report_daily_usage AS
SELECT h.organization_id, o.name AS organization_name, DATE(h.hour) AS day,
       SUM(h.requests) AS requests, SUM(h.errors_4xx) AS errors_4xx, SUM(h.errors_5xx) AS errors_5xx,
       SUM(h.throttled) AS throttled,
       ROUND(SUM(h.duration_us_sum) / NULLIF(SUM(h.requests), 0) / 1000, 2) AS avg_duration_ms,
       SUM(h.request_bytes) AS request_bytes, SUM(h.response_bytes) AS response_bytes
FROM request_log_hourly h JOIN organizations o ON o.id = h.organization_id
GROUP BY h.organization_id, o.name, DATE(h.hour);

CREATE OR REPLACE VIEW report_endpoint_mix AS
SELECT h.organization_id, o.name AS organization_name, DATE(h.hour) AS day, h.route, h.method,
       SUM(h.requests) AS requests, SUM(h.errors_4xx) + SUM(h.errors_5xx) AS errors,
       ROUND((SUM(h.errors_4xx) + SUM(h.errors_5xx)) / NULLIF(SUM(h.requests), 0), 4) AS error_rate,
       ROUND(SUM(h.duration_us_sum) / NULLIF(SUM(h.requests), 0) / 1000, 2) AS avg_duration_ms,
       SUM(h.request_bytes) AS request_bytes, SUM(h.response_bytes) AS response_bytes
FROM request_log_hourly h JOIN organizations o ON o.id = h.organization_id
GROUP BY h.organization_id, o.name, DATE(h.hour), h.route, h.method;

CREATE OR REPLACE VIEW report_throttling AS
SELECT h.organization_id, o.name AS organization_name, h.api_key_id, k.name AS key_name, DATE(h.hour) AS day,
       SUM(h.requests) AS requests, SUM(h.throttled) AS throttled,
       ROUND(SUM(h.throttled) / NULLIF(SUM(h.requests), 0), 4) AS throttled_share,
       COALESCE(o.rate_limit_per_hour, 'default') AS limit_per_hour
FROM request_log_hourly h
JOIN organizations o ON o.id = h.organization_id
JOIN api_keys k ON k.id = h.api_key_id
GROUP BY h.organization_id, o.name, h.api_key_id, k.name, DATE(h.hour), o.rate_limit_per_hour;

CREATE OR REPLACE VIEW report_csat AS
SELECT f.organization_id, f.assistant_id, v.name AS assistant_name, f.assistant_version,
       COUNT(*) AS ratings, ROUND(AVG(f.rating), 2) AS average_rating,
       SUM(f.rating >= 4) AS satisfied, ROUND(100 * SUM(f.rating >= 4) / COUNT(*), 1) AS csat_percent,
       SUM(f.actor_type = 'visitor') AS visitor_ratings, SUM(f.comment IS NOT NULL) AS with_comment,
       MIN(f.created_at) AS first_rated_at, MAX(f.created_at) AS last_rated_at
FROM feedback f JOIN assistant_versions v ON v.assistant_id = f.assistant_id AND v.version = f.assistant_version
WHERE f.is_current
GROUP BY f.organization_id, f.assistant_id, v.name, f.assistant_version;

CREATE OR REPLACE VIEW report_conversations AS
SELECT c.organization_id, c.assistant_id, v.name AS assistant_name, DATE(c.created_at) AS day,
       COUNT(*) AS conversations, SUM(c.message_count) AS messages,
       SUM(c.needs_human) AS needed_human, SUM(c.status = 'handed_off') AS handed_off,
       ROUND(SUM(c.status = 'handed_off') / COUNT(*), 4) AS handoff_rate, SUM(c.status = 'closed') AS closed
FROM conversations c JOIN assistant_versions v ON v.assistant_id = c.assistant_id AND v.version = c.assistant_version
GROUP BY c.organization_id, c.assistant_id, v.name, DATE(c.created_at);
