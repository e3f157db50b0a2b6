-- Assistant lifecycle: configuration lives in immutable, numbered versions; the assistants row
-- points at the live one (and keeps a copy of its configuration for fast reads), knows the latest,
-- and carries operational state (is_active) and soft deletion outside the versions.

CREATE TABLE assistant_versions (
    assistant_id UUID NOT NULL COMMENT 'The assistant this configuration belongs to',
    version INT UNSIGNED NOT NULL COMMENT 'Version number, 1, 2, 3… per assistant',
    organization_id UUID NOT NULL COMMENT 'Owning organization (same as the assistant''s), for scoped queries',
    name VARCHAR(200) NOT NULL COMMENT 'Display name in this version',
    description TEXT NOT NULL COMMENT 'Description in this version',
    tone VARCHAR(100) NOT NULL COMMENT 'Tone in this version',
    language VARCHAR(35) NOT NULL COMMENT 'BCP 47 language tag in this version',
    task_templates JSON NOT NULL COMMENT 'List of {name, template} with {{variable}} placeholders',
    metadata JSON NOT NULL COMMENT 'Free-form JSON object in this version',
    changed_fields JSON NOT NULL COMMENT 'Names of the fields that differ from the version before (all fields for version 1)',
    change_note VARCHAR(500) NULL COMMENT 'Why the change was made, as the operator wrote it',
    created_by_api_key_id UUID NULL COMMENT 'API key that wrote this version; NULL for versions made by migration',
    created_at DATETIME(6) NOT NULL COMMENT 'When this version was written (UTC)',
    PRIMARY KEY (assistant_id, version),
    KEY assistant_versions_organization (organization_id, assistant_id),
    KEY assistant_versions_api_key (created_by_api_key_id),
    CONSTRAINT assistant_versions_assistant_fk FOREIGN KEY (assistant_id) REFERENCES assistants (id) ON DELETE CASCADE,
    CONSTRAINT assistant_versions_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT assistant_versions_api_key_fk FOREIGN KEY (created_by_api_key_id) REFERENCES api_keys (id),
    CONSTRAINT assistant_versions_task_templates_list CHECK (JSON_TYPE(task_templates) = 'ARRAY'),
    CONSTRAINT assistant_versions_metadata_object CHECK (JSON_TYPE(metadata) = 'OBJECT')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Immutable configurations of assistants; conversations record the version that answered';

-- Versions are written once and never changed (purging deleted assistants removes them whole).
CREATE TRIGGER assistant_versions_immutable BEFORE UPDATE ON assistant_versions FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'assistant versions are immutable';

ALTER TABLE assistants
    ADD COLUMN live_version INT UNSIGNED NOT NULL DEFAULT 1
        COMMENT 'Version whose configuration is served (copied into this row''s configuration columns)' AFTER metadata,
    ADD COLUMN latest_version INT UNSIGNED NOT NULL DEFAULT 1
        COMMENT 'Highest version written; above live_version while a draft waits' AFTER live_version,
    ADD COLUMN revision INT UNSIGNED NOT NULL DEFAULT 1
        COMMENT 'Counts every change of this row; the API''s ETag, so stale writes are refused' AFTER latest_version,
    ADD COLUMN deleted_at DATETIME(6) NULL
        COMMENT 'When the assistant was deleted (UTC); hidden from the API but kept for the audit trail' AFTER updated_at,
    ADD KEY assistants_deleted (deleted_at);

-- Existing assistants become version 1 of themselves.
INSERT INTO assistant_versions
    (assistant_id, version, organization_id, name, description, tone, language, task_templates, metadata,
     changed_fields, change_note, created_by_api_key_id, created_at)
SELECT id, 1, organization_id, name, description, tone, language, task_templates, metadata,
       JSON_ARRAY('name', 'description', 'tone', 'language', 'task_templates', 'metadata'), NULL, NULL, created_at
FROM assistants;
