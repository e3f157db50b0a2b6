-- Fair ingestion across organizations: the ingest workers take turns between the organizations
-- with queued work (the one served longest ago first) instead of taking the oldest job of all,
-- and cap how many jobs of one organization run at once. Re-embedding requests remember their
-- scope, so asking again while one runs answers that one.

CREATE TABLE ingestion_turns (
    organization_id UUID NOT NULL COMMENT 'Organization with ingestion work',
    last_claimed_at DATETIME(6) NULL COMMENT 'When a worker last took one of its jobs (UTC); NULL: never, served first',
    PRIMARY KEY (organization_id),
    CONSTRAINT ingestion_turns_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Round robin of the ingest workers between organizations; a worker locks the row while it claims for it';

-- Organizations waiting, with their oldest job: one index dive per organization (a loose scan),
-- however many jobs one of them queued. Also finds running jobs whose lease passed.
ALTER TABLE ingestion_jobs ADD KEY ingestion_jobs_waiting (state, organization_id, id);
-- One organization's next job (new content before re-embeddings, oldest first) and its jobs in
-- flight, read in index order.
ALTER TABLE ingestion_jobs ADD KEY ingestion_jobs_organization (organization_id, state, task, id);
-- The claim no longer reads jobs by lease alone.
ALTER TABLE ingestion_jobs DROP KEY ingestion_jobs_claim;

ALTER TABLE reembed_batches
    ADD COLUMN scope_key BINARY(32) NULL
        COMMENT 'SHA-256 of the requested scope (all, an assistant, a set of sources); NULL for the workers'' own model upgrades'
        AFTER scope,
    ADD KEY reembed_batches_scope (organization_id, scope_key, created_at);
