-- Sessions and visitor context: the people assistants talk to (visitors, anonymous until the
-- organization vouches for who they are), the sessions their channels open, and the attributes and
-- CRM references attached to each session.

ALTER TABLE organizations
    ADD COLUMN session_ttl_seconds INT UNSIGNED NULL
        COMMENT 'Lifetime of a new session when the client names none; NULL uses COMPANIN_SESSION_TTL_SECONDS (default 1800)'
        AFTER rate_limit_per_hour;

CREATE TABLE visitors (
    id UUID NOT NULL COMMENT 'Opaque visitor id; channels keep it (e.g. in a cookie) to continue as the same visitor',
    organization_id UUID NOT NULL COMMENT 'Owning organization; the same external_id in two organizations is two visitors',
    external_id VARCHAR(255) NULL COMMENT 'Identity in the organization''s own system; NULL while the visitor is anonymous',
    display_name VARCHAR(200) NULL COMMENT 'Name to address the visitor by, as the organization sent it',
    email VARCHAR(320) NULL COMMENT 'E-mail address, as the organization sent it',
    phone VARCHAR(40) NULL COMMENT 'Phone number, as the organization sent it',
    locale VARCHAR(35) NULL COMMENT 'BCP 47 language tag the visitor prefers',
    merged_into_id UUID NULL COMMENT 'The identified visitor this anonymous one was linked to; its sessions moved there',
    identified_at DATETIME(6) NULL COMMENT 'When external_id was first vouched for (UTC)',
    last_seen_at DATETIME(6) NOT NULL COMMENT 'When a session was last opened or identified for this visitor (UTC)',
    created_at DATETIME(6) NOT NULL COMMENT 'When the visitor was first seen (UTC)',
    updated_at DATETIME(6) NOT NULL COMMENT 'Last change (UTC)',
    PRIMARY KEY (id),
    UNIQUE KEY visitors_external_id (organization_id, external_id),
    KEY visitors_organization_created (organization_id, created_at, id),
    KEY visitors_merged_into (merged_into_id),
    CONSTRAINT visitors_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT visitors_merged_into_fk FOREIGN KEY (merged_into_id) REFERENCES visitors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='People the assistants talk to, per organization; anonymous ones are linked to identified ones later';

CREATE TABLE sessions (
    id UUID NOT NULL COMMENT 'Opaque session id',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    assistant_id UUID NULL COMMENT 'Assistant the session is for, if the channel named one; NULL after that assistant is purged',
    visitor_id UUID NOT NULL COMMENT 'The visitor the session belongs to now (after any linking)',
    initial_visitor_id UUID NOT NULL COMMENT 'The visitor the session was opened for (the anonymous id, before linking)',
    authenticated BOOLEAN NOT NULL COMMENT 'TRUE when the organization vouched for the visitor''s external_id in this session',
    channel VARCHAR(50) NOT NULL COMMENT 'Where the visitor is: web, whatsapp, app, phone…, as the client names it',
    state ENUM('active', 'ended', 'expired') NOT NULL
        COMMENT 'active until ended by the client or expired; the sweeper marks expired rows shortly after expires_at',
    metadata JSON NOT NULL COMMENT 'Free-form JSON object owned by the client',
    ttl_seconds INT UNSIGNED NOT NULL COMMENT 'Lifetime granted at creation (and by each activity when sliding)',
    sliding BOOLEAN NOT NULL COMMENT 'TRUE: activity pushes expires_at to ttl_seconds after it',
    expires_at DATETIME(6) NOT NULL COMMENT 'When the session stops taking new conversations and messages (UTC)',
    last_activity_at DATETIME(6) NOT NULL COMMENT 'Last activity: creation, a context, a message (UTC)',
    identified_at DATETIME(6) NULL COMMENT 'When the visitor was identified during this session (UTC)',
    ended_at DATETIME(6) NULL COMMENT 'When the client ended it (UTC)',
    end_reason VARCHAR(200) NULL COMMENT 'Why it was ended, as the client said',
    created_by_api_key_id UUID NULL COMMENT 'API key that opened the session',
    created_at DATETIME(6) NOT NULL COMMENT 'When the session was opened (UTC)',
    updated_at DATETIME(6) NOT NULL COMMENT 'Last change (UTC)',
    PRIMARY KEY (id),
    KEY sessions_organization_created (organization_id, created_at, id),
    KEY sessions_visitor (organization_id, visitor_id, created_at),
    KEY sessions_assistant (organization_id, assistant_id, created_at),
    KEY sessions_channel (organization_id, channel, created_at),
    KEY sessions_expiry (state, expires_at),
    CONSTRAINT sessions_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT sessions_assistant_fk FOREIGN KEY (assistant_id) REFERENCES assistants (id) ON DELETE SET NULL,
    CONSTRAINT sessions_visitor_fk FOREIGN KEY (visitor_id) REFERENCES visitors (id),
    CONSTRAINT sessions_initial_visitor_fk FOREIGN KEY (initial_visitor_id) REFERENCES visitors (id),
    CONSTRAINT sessions_api_key_fk FOREIGN KEY (created_by_api_key_id) REFERENCES api_keys (id),
    CONSTRAINT sessions_metadata_object CHECK (JSON_TYPE(metadata) = 'OBJECT')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Visitor sessions opened by customer-facing channels; expired and ended ones stay for audit';

CREATE TABLE session_contexts (
    id UUID NOT NULL COMMENT 'Opaque context id',
    organization_id UUID NOT NULL COMMENT 'Owning organization (same as the session''s)',
    session_id UUID NOT NULL COMMENT 'Session the attributes describe',
    position INT UNSIGNED NOT NULL COMMENT 'Order within the session, from 1; later contexts win when attributes are merged',
    attributes JSON NOT NULL COMMENT 'Visitor attributes as the client sent them (a JSON object)',
    crm_system VARCHAR(100) NULL COMMENT 'CRM the visitor maps to, e.g. salesforce, hubspot',
    crm_record_id VARCHAR(255) NULL COMMENT 'Record id in that CRM',
    crm_url VARCHAR(2048) NULL COMMENT 'Link to the record in that CRM',
    created_by_api_key_id UUID NULL COMMENT 'API key that attached the context',
    created_at DATETIME(6) NOT NULL COMMENT 'When the context was attached (UTC)',
    updated_at DATETIME(6) NOT NULL COMMENT 'Last change (UTC)',
    PRIMARY KEY (id),
    UNIQUE KEY session_contexts_position (session_id, position),
    KEY session_contexts_organization_created (organization_id, created_at, id),
    KEY session_contexts_crm (organization_id, crm_system, crm_record_id),
    CONSTRAINT session_contexts_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE,
    CONSTRAINT session_contexts_api_key_fk FOREIGN KEY (created_by_api_key_id) REFERENCES api_keys (id),
    CONSTRAINT session_contexts_attributes_object CHECK (JSON_TYPE(attributes) = 'OBJECT')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Visitor attributes and CRM references attached to sessions, in order';
