-- Several hosts, one limit: with COMPANIN_RATE_LIMIT_SCOPE=cluster each host leases slices of an
-- organization's hourly quota here and spends them from its shared memory. A window is a clock
-- hour by the database's clock (UTC). `granted` only grows by what a lease hands out and shrinks
-- by what a host gives back, in one short transaction that locks the window's row, so the
-- requests admitted in a window across all hosts never exceed `quota`. Rows older than seven days
-- are deleted when an organization opens a new window.

CREATE TABLE rate_limit_windows (
    organization_id UUID NOT NULL COMMENT 'Organization whose quota this is',
    window_start DATETIME NOT NULL COMMENT 'Start of the clock hour (UTC) the quota is for',
    quota INT UNSIGNED NOT NULL COMMENT 'Requests allowed in the window: the limit the last lease was asked with',
    granted INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests leased to hosts and not given back; never above quota when leased',
    largest_slice INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Largest slice a host was offered in the window: the shortfall bound is hosts × this',
    opened_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) COMMENT 'First lease of the window (UTC)',
    PRIMARY KEY (organization_id, window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Cluster-wide hourly quota per organization: what hosts have leased of it (COMPANIN_RATE_LIMIT_SCOPE=cluster)';

CREATE TABLE rate_limit_leases (
    organization_id UUID NOT NULL COMMENT 'Organization whose quota was leased',
    window_start DATETIME NOT NULL COMMENT 'The window (rate_limit_windows.window_start)',
    host VARCHAR(64) NOT NULL COMMENT 'COMPANIN_HOST_ID of the host that leased',
    granted INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests leased to the host in the window',
    returned INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Requests it gave back unspent',
    round_trips INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Lease and give-back transactions the host made for the window',
    updated_at DATETIME(6) NOT NULL COMMENT 'Its last lease or give-back (UTC): hosts seen within a minute share the slices',
    PRIMARY KEY (organization_id, window_start, host)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Each host''s leases of an organization''s window; granted - returned is spent or still held (or lost with a dead host)';

-- Written once a second by every pool master while a replica is configured, so a replica can
-- tell how far behind it is: its copy of beat_at against its own clock.
CREATE TABLE replication_heartbeat (
    id TINYINT UNSIGNED NOT NULL COMMENT 'Always 1',
    beat_at DATETIME(6) NOT NULL COMMENT 'Last beat on the primary (UTC)',
    host VARCHAR(64) NOT NULL COMMENT 'COMPANIN_HOST_ID of the pool that wrote it',
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Replication lag probe: the replica serves analytics only while its copy of this row is fresh';
