-- Per-organization rate limits: an optional override of the hourly limit, and the audit trail of
-- every request refused for exceeding it.

ALTER TABLE organizations
    ADD COLUMN rate_limit_per_hour INT UNSIGNED NULL
        COMMENT 'Requests per hour for this organization; NULL uses COMPANIN_RATE_LIMIT_PER_HOUR (default 100)'
        AFTER name;

CREATE TABLE rate_limit_breaches (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Row number; no meaning beyond order of arrival',
    organization_id UUID NOT NULL COMMENT 'Organization whose limit was exceeded',
    api_key_id UUID NOT NULL COMMENT 'Key the refused request carried (the id, never the key)',
    method VARCHAR(10) NOT NULL COMMENT 'HTTP method of the refused request',
    path VARCHAR(500) NOT NULL COMMENT 'Request path without the query string',
    client_address VARCHAR(45) NULL COMMENT 'Client IP address as nginx saw it',
    limit_per_hour INT UNSIGNED NOT NULL COMMENT 'The limit in force when the request was refused',
    occurred_at DATETIME(6) NOT NULL COMMENT 'When the request was refused (UTC)',
    PRIMARY KEY (id),
    KEY rate_limit_breaches_organization_time (organization_id, occurred_at),
    KEY rate_limit_breaches_key_time (api_key_id, occurred_at),
    CONSTRAINT rate_limit_breaches_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT rate_limit_breaches_api_key_fk FOREIGN KEY (api_key_id) REFERENCES api_keys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Every request refused with 429 by the per-organization limiter, for audit and analytics';
