-- Organizations, their API keys, and assistants: the first resources of Companin.
-- Every row that belongs to a customer carries organization_id; every query filters on it.

CREATE TABLE organizations (
    id UUID NOT NULL COMMENT 'Opaque identifier shown in the API and the CLI',
    name VARCHAR(200) NOT NULL COMMENT 'Display name chosen by the operator',
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) COMMENT 'When the organization was created (UTC)',
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6) COMMENT 'Last change (UTC)',
    PRIMARY KEY (id),
    KEY organizations_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Customers of the platform; each API key and every resource belongs to exactly one';

CREATE TABLE api_keys (
    id UUID NOT NULL COMMENT 'Identifier of the key (not the secret)',
    organization_id UUID NOT NULL COMMENT 'The organization every request with this key acts for',
    name VARCHAR(200) NOT NULL COMMENT 'Label given by the operator, e.g. "web widget"',
    key_prefix VARCHAR(16) NOT NULL COMMENT 'First characters of the key, shown to tell keys apart; not enough to use it',
    key_hash BINARY(32) NOT NULL COMMENT 'SHA-256 of the full key; the key itself is never stored',
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) COMMENT 'When the key was issued (UTC)',
    revoked_at DATETIME(6) NULL COMMENT 'When the key was revoked (UTC); NULL while it is valid',
    PRIMARY KEY (id),
    UNIQUE KEY api_keys_key_hash (key_hash),
    KEY api_keys_organization (organization_id, created_at),
    CONSTRAINT api_keys_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='API keys; a request authenticates with X-API-Key, looked up by its SHA-256 hash';

CREATE TABLE assistants (
    id UUID NOT NULL COMMENT 'Opaque identifier of the assistant',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    name VARCHAR(200) NOT NULL COMMENT 'Display name',
    description TEXT NOT NULL COMMENT 'What the assistant is for',
    tone VARCHAR(100) NOT NULL COMMENT 'Voice of the replies, e.g. professional, friendly',
    language VARCHAR(35) NOT NULL COMMENT 'BCP 47 language tag of the replies, e.g. pt-BR',
    task_templates JSON NOT NULL COMMENT 'List of {name, template} default task templates',
    is_active BOOLEAN NOT NULL DEFAULT TRUE COMMENT 'Operational switch; an inactive assistant takes no new conversations',
    metadata JSON NOT NULL COMMENT 'Free-form JSON object owned by the client',
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) COMMENT 'When it was created (UTC)',
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) COMMENT 'Last change (UTC)',
    PRIMARY KEY (id),
    KEY assistants_organization_created (organization_id, created_at, id),
    CONSTRAINT assistants_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT assistants_task_templates_list CHECK (JSON_TYPE(task_templates) = 'ARRAY'),
    CONSTRAINT assistants_metadata_object CHECK (JSON_TYPE(metadata) = 'OBJECT')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Customer-facing assistants and their current configuration';
