-- Governance: what each key may do, an append-only trail of administrative actions, and the
-- server secrets that sign short-lived browser tokens.

-- A key's scopes: `admin` (everything in its organization), `read`, `analytics`, `widget`
-- (sessions, contexts, conversations, messages and feedback, by id). Keys issued before scopes
-- existed could do everything, so they become `admin`.
ALTER TABLE api_keys
    ADD COLUMN scopes SET('admin', 'read', 'analytics', 'widget') NOT NULL DEFAULT 'admin'
        COMMENT 'What the key may do; see the API reference for the routes of each scope' AFTER name,
    ADD COLUMN assistant_id UUID NULL
        COMMENT 'A widget key bound to one assistant may only open and use that assistant''s conversations' AFTER scopes,
    ADD COLUMN expires_at DATETIME(6) NULL
        COMMENT 'After this instant (UTC) the key no longer authenticates; NULL: no expiry' AFTER revoked_at,
    ADD COLUMN last_used_at DATETIME(6) NULL
        COMMENT 'Last successful authentication, to within a minute (UTC)' AFTER expires_at,
    ADD COLUMN replaced_by UUID NULL
        COMMENT 'The key that rotation issued in this one''s place' AFTER last_used_at,
    ADD COLUMN created_by UUID NULL
        COMMENT 'Key that created this one through the API; NULL when issued with the CLI' AFTER replaced_by,
    ADD CONSTRAINT api_keys_assistant_fk FOREIGN KEY (assistant_id) REFERENCES assistants (id) ON DELETE CASCADE,
    ADD CONSTRAINT api_keys_scopes_present CHECK (scopes <> '');

CREATE TABLE audit_events (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Order of recording',
    organization_id UUID NOT NULL COMMENT 'Organization the action changed',
    occurred_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) COMMENT 'When it happened (UTC)',
    actor_key_id UUID NULL COMMENT 'Key that acted; NULL for the operator CLI',
    actor_kind ENUM('api_key', 'browser_token', 'cli') NOT NULL COMMENT 'How the actor authenticated',
    client_address VARCHAR(45) NULL COMMENT 'Address of the client as nginx saw it; NULL for the CLI',
    request_id VARCHAR(64) NULL COMMENT 'X-Request-ID of the request that did it',
    action VARCHAR(64) NOT NULL COMMENT 'What was done, e.g. key.created, assistant.promoted',
    target_type VARCHAR(32) NOT NULL COMMENT 'Kind of thing acted on: key, organization, assistant, knowledge_source',
    target_id VARCHAR(64) NOT NULL COMMENT 'Its id',
    details JSON NOT NULL COMMENT 'What changed (never a secret), e.g. {"scopes": ["read"]} or {"from": 100, "to": 500}',
    PRIMARY KEY (id),
    KEY audit_events_organization (organization_id, occurred_at, id),
    CONSTRAINT audit_events_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT audit_events_details_object CHECK (JSON_TYPE(details) = 'OBJECT')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Administrative actions: who (key), what, when, from where; append-only';

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit events are append-only';
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit events are append-only';

CREATE TABLE token_signing_keys (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'Key id named in every token it signs',
    secret BINARY(32) NOT NULL COMMENT 'HMAC-SHA256 secret; never leaves the server',
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) COMMENT 'When it started signing (UTC)',
    revoked_at DATETIME(6) NULL COMMENT 'From then on tokens it signed are refused; NULL while valid',
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Server secrets for browser tokens: the newest signs, every unrevoked one verifies';

-- The audit trail for the reporting account: no secret is ever in it; the request id and the
-- client address stay out as well, since they identify people rather than actions.
CREATE OR REPLACE VIEW report_audit AS
SELECT a.organization_id, o.name AS organization_name, a.occurred_at, a.actor_key_id, a.actor_kind,
       a.action, a.target_type, a.target_id, a.details
FROM audit_events a JOIN organizations o ON o.id = a.organization_id;
