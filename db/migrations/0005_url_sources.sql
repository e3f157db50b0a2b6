-- URL sources: what was fetched, when, how to fetch it again conditionally, and the text it gave.

ALTER TABLE knowledge_sources
    ADD COLUMN url VARCHAR(2048) NULL COMMENT 'URL the operator asked to ingest (kind url)' AFTER answer,
    ADD COLUMN final_url VARCHAR(2048) NULL COMMENT 'URL after redirects, as last fetched' AFTER url,
    ADD COLUMN http_status SMALLINT UNSIGNED NULL COMMENT 'HTTP status of the last fetch' AFTER final_url,
    ADD COLUMN etag VARCHAR(300) NULL COMMENT 'ETag of the last fetch, sent back as If-None-Match' AFTER http_status,
    ADD COLUMN last_modified VARCHAR(100) NULL COMMENT 'Last-Modified of the last fetch, sent back as If-Modified-Since' AFTER etag,
    ADD COLUMN fetched_at DATETIME(6) NULL COMMENT 'When the URL was last fetched (UTC)' AFTER last_modified,
    ADD COLUMN description TEXT NULL COMMENT 'Page description (meta or Open Graph)' AFTER fetched_at,
    ADD COLUMN language VARCHAR(35) NULL COMMENT 'Language the page declares' AFTER description,
    ADD COLUMN extracted_text MEDIUMTEXT NULL COMMENT 'Main text extracted from the page' AFTER language,
    ADD COLUMN text_sha256 BINARY(32) NULL COMMENT 'SHA-256 of extracted_text: unchanged text is not embedded again' AFTER extracted_text,
    ADD COLUMN refresh_interval_seconds INT UNSIGNED NULL COMMENT 'Fetch again this often; NULL: only on request' AFTER text_sha256,
    ADD COLUMN next_refresh_at DATETIME(6) NULL COMMENT 'When the ingest workers fetch it again (UTC)' AFTER refresh_interval_seconds,
    ADD KEY knowledge_sources_refresh (next_refresh_at);
