-- Knowledge: sources (uploaded files, Q&A pairs, and later URLs), their chunks with embeddings,
-- the ingestion queue, and each assistant's view of it.

CREATE TABLE knowledge_sources (
    id UUID NOT NULL COMMENT 'Opaque identifier of the source',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    kind ENUM('file', 'qa', 'url') NOT NULL COMMENT 'Uploaded file, Q&A pair, or fetched URL',
    title VARCHAR(300) NOT NULL COMMENT 'Title given by the operator, or found in the content',
    status ENUM('pending', 'processing', 'ready', 'failed') NOT NULL COMMENT 'Ingestion state; only ready sources are searched',
    error_code VARCHAR(50) NULL COMMENT 'Why ingestion failed, machine-readable (status failed)',
    error_message VARCHAR(1000) NULL COMMENT 'Why ingestion failed, for operators (status failed)',
    metadata JSON NOT NULL COMMENT 'Free-form JSON object owned by the client',
    content_kind ENUM('pdf', 'csv', 'text', 'json', 'image') NULL COMMENT 'Type of a file, decided from its bytes',
    media_type VARCHAR(100) NULL COMMENT 'Media type of a file, decided from its bytes',
    filename VARCHAR(255) NULL COMMENT 'File name the client sent (informational only)',
    size_bytes BIGINT UNSIGNED NULL COMMENT 'Size of the original file',
    content_sha256 BINARY(32) NULL COMMENT 'SHA-256 of the original bytes; also the blob file name',
    blob_path VARCHAR(300) NULL COMMENT 'Path of the original under COMPANIN_BLOB_DIR',
    attributes JSON NOT NULL COMMENT 'What extraction found: pages, delimiter, encoding, width, height…',
    question TEXT NULL COMMENT 'Question of a Q&A pair',
    answer TEXT NULL COMMENT 'Answer of a Q&A pair',
    tags JSON NULL COMMENT 'Tags of a Q&A pair (list of strings)',
    summary TEXT NULL COMMENT 'A few sentences about the content (status ready)',
    keywords JSON NULL COMMENT 'Ranked keywords (status ready)',
    chunk_count INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Chunks stored for search',
    created_at DATETIME(6) NOT NULL COMMENT 'When the source was created (UTC)',
    updated_at DATETIME(6) NOT NULL COMMENT 'Last change (UTC)',
    queued_at DATETIME(6) NULL COMMENT 'When ingestion was last requested (UTC)',
    processing_started_at DATETIME(6) NULL COMMENT 'When a worker last started on it (UTC)',
    ready_at DATETIME(6) NULL COMMENT 'When it last became ready (UTC)',
    failed_at DATETIME(6) NULL COMMENT 'When it last failed (UTC)',
    PRIMARY KEY (id),
    UNIQUE KEY knowledge_sources_content (organization_id, kind, content_sha256),
    KEY knowledge_sources_listing (organization_id, kind, status, created_at),
    CONSTRAINT knowledge_sources_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT knowledge_sources_metadata_object CHECK (JSON_TYPE(metadata) = 'OBJECT')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Everything an organization taught its assistants: files, Q&A pairs, URLs';

CREATE TABLE knowledge_chunks (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Chunk identifier',
    source_id UUID NOT NULL COMMENT 'Source the chunk was cut from',
    organization_id UUID NOT NULL COMMENT 'Owning organization (same as the source''s)',
    chunk_index INT UNSIGNED NOT NULL COMMENT 'Position of the chunk in its source, from 0',
    content TEXT NOT NULL COMMENT 'The chunk''s text, as searched and quoted',
    embedding BLOB NOT NULL COMMENT 'Embedding vector, little-endian float32',
    embedding_model VARCHAR(100) NOT NULL COMMENT 'Model that computed the embedding; search never mixes models',
    embedding_dimension SMALLINT UNSIGNED NOT NULL COMMENT 'Number of components in the embedding',
    created_at DATETIME(6) NOT NULL COMMENT 'When the chunk was stored (UTC)',
    PRIMARY KEY (id),
    UNIQUE KEY knowledge_chunks_position (source_id, chunk_index),
    KEY knowledge_chunks_organization_model (organization_id, embedding_model),
    FULLTEXT KEY knowledge_chunks_content (content),
    CONSTRAINT knowledge_chunks_source_fk FOREIGN KEY (source_id) REFERENCES knowledge_sources (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Searchable pieces of knowledge sources, with full-text index and embeddings';

CREATE TABLE ingestion_jobs (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Job number',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    source_id UUID NOT NULL COMMENT 'Source to ingest or re-embed',
    batch_id UUID NULL COMMENT 'Re-embedding request this job belongs to, if any',
    task ENUM('ingest', 'reembed') NOT NULL COMMENT 'Full ingestion, or only new embeddings for the stored chunks',
    state ENUM('queued', 'running', 'done', 'failed') NOT NULL COMMENT 'queued → running (leased) → done or failed',
    attempts TINYINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Times a worker claimed it',
    lease_expires_at DATETIME(6) NULL COMMENT 'A running job whose lease passed is claimed again (its worker died)',
    worker VARCHAR(100) NULL COMMENT 'Host and pid of the worker that last claimed it',
    last_error VARCHAR(1000) NULL COMMENT 'Error of the last failed attempt',
    created_at DATETIME(6) NOT NULL COMMENT 'When it was queued (UTC)',
    updated_at DATETIME(6) NOT NULL COMMENT 'Last change (UTC)',
    PRIMARY KEY (id),
    KEY ingestion_jobs_claim (state, lease_expires_at, id),
    KEY ingestion_jobs_source (source_id),
    KEY ingestion_jobs_batch (batch_id),
    CONSTRAINT ingestion_jobs_source_fk FOREIGN KEY (source_id) REFERENCES knowledge_sources (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Work queue of the ingest workers, claimed with SELECT … FOR UPDATE SKIP LOCKED';

CREATE TABLE reembed_batches (
    id UUID NOT NULL COMMENT 'Identifier returned to the client to poll',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    scope VARCHAR(300) NOT NULL COMMENT 'What was asked: all, the given sources, or one assistant''s set',
    total INT UNSIGNED NOT NULL COMMENT 'Sources queued',
    created_at DATETIME(6) NOT NULL COMMENT 'When it was requested (UTC)',
    PRIMARY KEY (id),
    KEY reembed_batches_organization (organization_id, created_at),
    CONSTRAINT reembed_batches_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Requests to recompute embeddings; progress is read from their ingestion_jobs';

CREATE TABLE assistant_knowledge (
    assistant_id UUID NOT NULL COMMENT 'Assistant whose view this shapes',
    source_id UUID NOT NULL COMMENT 'Knowledge source linked or excluded',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    mode ENUM('include', 'exclude') NOT NULL COMMENT 'include: linked (needed in linked mode); exclude: hidden from the assistant',
    created_at DATETIME(6) NOT NULL COMMENT 'When the link was set (UTC)',
    PRIMARY KEY (assistant_id, source_id),
    KEY assistant_knowledge_source (source_id),
    CONSTRAINT assistant_knowledge_assistant_fk FOREIGN KEY (assistant_id) REFERENCES assistants (id) ON DELETE CASCADE,
    CONSTRAINT assistant_knowledge_source_fk FOREIGN KEY (source_id) REFERENCES knowledge_sources (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Per-assistant knowledge scope: sources linked to or excluded from each assistant';

ALTER TABLE assistants
    ADD COLUMN knowledge_mode ENUM('all', 'linked') NOT NULL DEFAULT 'all'
        COMMENT 'all: every source of the organization except excluded ones; linked: only included sources'
        AFTER is_active;
