-- Analytics: every request a responder answered, kept in monthly partitions (dropped whole by
-- `companin logs prune`), with hourly rollups maintained in the same transaction as the rows, so
-- usage and endpoint reports read thousands of rows instead of millions. Operator keys may read
-- other organizations' analytics.

ALTER TABLE api_keys
    ADD COLUMN is_operator BOOLEAN NOT NULL DEFAULT FALSE
        COMMENT 'Operator keys may read any organization''s analytics (organization_id=…); ordinary keys only their own'
        AFTER name;

CREATE TABLE request_log (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Row number; no meaning beyond order of arrival',
    occurred_at DATETIME(6) NOT NULL COMMENT 'When the request reached the responder (UTC); the partitioning column',
    organization_id UUID NULL COMMENT 'Organization of the API key; NULL when the request was not authenticated',
    api_key_id UUID NULL COMMENT 'API key the request carried (the id, never the key); NULL when not authenticated',
    request_id VARCHAR(64) NOT NULL COMMENT 'X-Request-ID, the id nginx and the responder logged',
    method VARCHAR(10) NOT NULL COMMENT 'HTTP method',
    route VARCHAR(200) NOT NULL COMMENT 'Route template, e.g. /api/v1/assistants/:assistant_id; empty when no route matched',
    path VARCHAR(500) NOT NULL COMMENT 'Request path without the query string',
    status SMALLINT UNSIGNED NOT NULL COMMENT 'HTTP status answered',
    duration_us INT UNSIGNED NOT NULL COMMENT 'Time in the responder, from the request read to the response handed back (µs)',
    request_bytes INT UNSIGNED NOT NULL COMMENT 'Request body size',
    response_bytes INT UNSIGNED NOT NULL COMMENT 'Response body size',
    client_address VARCHAR(45) NULL COMMENT 'Client IP address as nginx saw it',
    user_agent VARCHAR(300) NULL COMMENT 'User-Agent header, cut at 300 characters',
    throttled BOOLEAN NOT NULL COMMENT 'TRUE when the rate limiter refused the request (429)',
    PRIMARY KEY (id, occurred_at),
    KEY request_log_organization_time (organization_id, occurred_at),
    KEY request_log_key_time (api_key_id, occurred_at),
    KEY request_log_time (occurred_at),
    KEY request_log_organization_status (organization_id, status, occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Every request answered by a responder; monthly partitions pYYYYMM, pfuture catches what is not split off yet'
PARTITION BY RANGE COLUMNS (occurred_at) (
    PARTITION p202611 VALUES LESS THAN ('2026-12-01'),
    PARTITION p202612 VALUES LESS THAN ('2027-01-01'),
    PARTITION p202701 VALUES LESS THAN ('2027-02-01'),
    PARTITION p202702 VALUES LESS THAN ('2027-03-01'),
    PARTITION p202703 VALUES LESS THAN ('2027-04-01'),
    PARTITION p202704 VALUES LESS THAN ('2027-05-01'),
    PARTITION p202705 VALUES LESS THAN ('2027-06-01'),
    PARTITION p202706 VALUES LESS THAN ('2027-07-01'),
    PARTITION p202707 VALUES LESS THAN ('2027-08-01'),
    PARTITION p202708 VALUES LESS THAN ('2027-09-01'),
    PARTITION p202709 VALUES LESS THAN ('2027-10-01'),
    PARTITION p202710 VALUES LESS THAN ('2027-11-01'),
    PARTITION p202711 VALUES LESS THAN ('2027-12-01'),
    PARTITION p202712 VALUES LESS THAN ('2028-01-01'),
    PARTITION pfuture VALUES LESS THAN (MAXVALUE)
);

CREATE TABLE request_log_hourly (
    organization_id UUID NOT NULL COMMENT 'Organization of the requests (unauthenticated requests are not rolled up)',
    hour DATETIME NOT NULL COMMENT 'Start of the hour (UTC)',
    api_key_id UUID NOT NULL COMMENT 'API key of the requests',
    route VARCHAR(200) NOT NULL COMMENT 'Route template; empty when no route matched',
    method VARCHAR(10) NOT NULL COMMENT 'HTTP method',
    requests INT UNSIGNED NOT NULL COMMENT 'Requests answered',
    errors_4xx INT UNSIGNED NOT NULL COMMENT 'Of which answered 4xx (throttled ones included)',
    errors_5xx INT UNSIGNED NOT NULL COMMENT 'Of which answered 5xx',
    throttled INT UNSIGNED NOT NULL COMMENT 'Of which refused by the rate limiter (429)',
    duration_us_sum BIGINT UNSIGNED NOT NULL COMMENT 'Sum of their durations (µs)',
    request_bytes BIGINT UNSIGNED NOT NULL COMMENT 'Sum of their request body sizes',
    response_bytes BIGINT UNSIGNED NOT NULL COMMENT 'Sum of their response body sizes',
    latency_le_500us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 500 µs (and more than the bucket before)',
    latency_le_1000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 1,000 µs (and more than the bucket before)',
    latency_le_2500us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 2,500 µs (and more than the bucket before)',
    latency_le_5000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 5,000 µs (and more than the bucket before)',
    latency_le_10000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 10,000 µs (and more than the bucket before)',
    latency_le_25000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 25,000 µs (and more than the bucket before)',
    latency_le_50000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 50,000 µs (and more than the bucket before)',
    latency_le_100000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 100,000 µs (and more than the bucket before)',
    latency_le_250000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 250,000 µs (and more than the bucket before)',
    latency_le_500000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 500,000 µs (and more than the bucket before)',
    latency_le_1000000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 1,000,000 µs (and more than the bucket before)',
    latency_le_2500000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 2,500,000 µs (and more than the bucket before)',
    latency_le_5000000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 5,000,000 µs (and more than the bucket before)',
    latency_le_10000000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took at most 10,000,000 µs (and more than the bucket before)',
    latency_over_10000000us INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests that took more than 10 s',
    PRIMARY KEY (organization_id, hour, api_key_id, route, method),
    KEY request_log_hourly_key (api_key_id, hour)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Hourly rollups of request_log, maintained as rows arrive; latency_* columns are a histogram of durations';
