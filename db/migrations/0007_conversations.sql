-- Conversations between visitors and assistants: append-only messages with their authors and, for
-- assistant replies, the knowledge they were grounded on and the assistant version that wrote them;
-- and satisfaction feedback, whose history is kept while the latest rating counts.

CREATE TABLE conversations (
    id UUID NOT NULL COMMENT 'Opaque conversation id',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    assistant_id UUID NOT NULL COMMENT 'Assistant that answers in it',
    assistant_version INT UNSIGNED NOT NULL COMMENT 'Assistant version live when the conversation was opened',
    session_id UUID NOT NULL COMMENT 'Session the conversation belongs to (and, through it, the visitor)',
    status ENUM('open', 'handed_off', 'closed') NOT NULL
        COMMENT 'open: the assistant replies; handed_off: a human took over, the assistant stays quiet; closed: no more messages',
    needs_human BOOLEAN NOT NULL DEFAULT FALSE COMMENT 'TRUE once the assistant could not answer from its knowledge',
    task_name VARCHAR(100) NULL COMMENT 'Task template the conversation was opened for, if any',
    task_text TEXT NULL COMMENT 'That template rendered with the variables given at opening',
    metadata JSON NOT NULL COMMENT 'Free-form JSON object owned by the client',
    message_count INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'Messages in the conversation, replies included',
    last_message_at DATETIME(6) NULL COMMENT 'When the last message was written (UTC)',
    handoff_reason VARCHAR(500) NULL COMMENT 'Why it was handed to a human, as the client said',
    handed_off_at DATETIME(6) NULL COMMENT 'When it was handed to a human (UTC)',
    handed_off_by_api_key_id UUID NULL COMMENT 'API key that handed it off',
    closed_at DATETIME(6) NULL COMMENT 'When it was closed (UTC)',
    close_reason VARCHAR(200) NULL COMMENT 'Why it was closed, as the client said',
    created_by_api_key_id UUID NULL COMMENT 'API key that opened it',
    created_at DATETIME(6) NOT NULL COMMENT 'When it was opened (UTC)',
    updated_at DATETIME(6) NOT NULL COMMENT 'Last change (UTC)',
    PRIMARY KEY (id),
    KEY conversations_organization_created (organization_id, created_at, id),
    KEY conversations_assistant (organization_id, assistant_id, created_at),
    KEY conversations_session (organization_id, session_id, created_at),
    KEY conversations_needs_human (organization_id, needs_human, status),
    CONSTRAINT conversations_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT conversations_assistant_version_fk FOREIGN KEY (assistant_id, assistant_version)
        REFERENCES assistant_versions (assistant_id, version),
    CONSTRAINT conversations_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id),
    CONSTRAINT conversations_created_by_fk FOREIGN KEY (created_by_api_key_id) REFERENCES api_keys (id),
    CONSTRAINT conversations_handed_off_by_fk FOREIGN KEY (handed_off_by_api_key_id) REFERENCES api_keys (id),
    CONSTRAINT conversations_metadata_object CHECK (JSON_TYPE(metadata) = 'OBJECT')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Conversations of visitors with assistants, within sessions';

CREATE TABLE messages (
    id UUID NOT NULL COMMENT 'Opaque message id; also the paging cursor (after=)',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    conversation_id UUID NOT NULL COMMENT 'Conversation the message belongs to',
    position INT UNSIGNED NOT NULL COMMENT 'Order within the conversation, from 1',
    role ENUM('user', 'assistant', 'agent', 'system') NOT NULL
        COMMENT 'user: the visitor; assistant: a reply written by Companin; agent: a human operator; system: the client''s own notes',
    content MEDIUMTEXT NOT NULL COMMENT 'The message text',
    metadata JSON NOT NULL COMMENT 'Free-form JSON object owned by the client',
    api_key_id UUID NULL COMMENT 'API key that sent the message (for a reply: the key that sent the message it answers)',
    actor_type ENUM('visitor', 'agent', 'system', 'assistant') NOT NULL COMMENT 'Who wrote it',
    actor_id VARCHAR(255) NULL COMMENT 'Which visitor, agent or assistant wrote it, as far as known',
    in_reply_to UUID NULL COMMENT 'For a reply: the user message it answers',
    assistant_version INT UNSIGNED NULL COMMENT 'For a reply: the assistant version that wrote it',
    grounding ENUM('qa', 'chunks', 'model', 'none') NULL
        COMMENT 'For a reply: a Q&A answer, sentences of the best chunks, a model answer over them, or nothing relevant found',
    model VARCHAR(200) NULL COMMENT 'For a reply written by a language model: its name',
    sources JSON NULL COMMENT 'For a reply: [{source_id, chunk_id, kind, title, score}] it was grounded on',
    idempotency_key VARCHAR(200) NULL COMMENT 'Idempotency-Key the client sent with the message',
    request_sha256 BINARY(32) NULL COMMENT 'SHA-256 of the request sent with that key: a reused key with another request is refused',
    created_at DATETIME(6) NOT NULL COMMENT 'When it was written (UTC)',
    PRIMARY KEY (id),
    UNIQUE KEY messages_position (conversation_id, position),
    UNIQUE KEY messages_idempotency (conversation_id, idempotency_key),
    UNIQUE KEY messages_reply (conversation_id, in_reply_to),
    KEY messages_organization_created (organization_id, created_at),
    CONSTRAINT messages_conversation_fk FOREIGN KEY (conversation_id) REFERENCES conversations (id),
    CONSTRAINT messages_api_key_fk FOREIGN KEY (api_key_id) REFERENCES api_keys (id),
    CONSTRAINT messages_metadata_object CHECK (JSON_TYPE(metadata) = 'OBJECT')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Append-only message history of conversations; a trigger refuses changes';

-- The audit trail is written once: messages are never edited (the API has no way to, and this
-- refuses it from anywhere else too).
CREATE TRIGGER messages_append_only BEFORE UPDATE ON messages FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'messages are append-only';

CREATE TABLE feedback (
    id UUID NOT NULL COMMENT 'Opaque feedback id',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    conversation_id UUID NOT NULL COMMENT 'Conversation rated',
    message_id UUID NULL COMMENT 'Message rated; NULL when the rating is for the whole conversation',
    assistant_id UUID NOT NULL COMMENT 'Assistant rated (the conversation''s)',
    assistant_version INT UNSIGNED NOT NULL COMMENT 'Version rated: the rated reply''s, else the conversation''s',
    rating TINYINT UNSIGNED NOT NULL COMMENT 'Satisfaction from 1 (very unsatisfied) to 5 (very satisfied)',
    comment TEXT NULL COMMENT 'What the rater wrote',
    actor_type ENUM('visitor', 'agent', 'system') NOT NULL COMMENT 'Who rated',
    actor_id VARCHAR(255) NOT NULL COMMENT 'Which visitor, agent or system rated (the session''s visitor for visitors)',
    metadata JSON NOT NULL COMMENT 'Free-form JSON object owned by the client',
    api_key_id UUID NULL COMMENT 'API key that sent the rating',
    is_current BOOLEAN NOT NULL COMMENT 'TRUE for the rating that counts; an update keeps the old row with FALSE',
    superseded_at DATETIME(6) NULL COMMENT 'When a newer rating by the same rater of the same target replaced it (UTC)',
    created_at DATETIME(6) NOT NULL COMMENT 'When the rating was given (UTC)',
    PRIMARY KEY (id),
    KEY feedback_conversation (organization_id, conversation_id, created_at),
    KEY feedback_rater (conversation_id, message_id, actor_type, actor_id, is_current),
    KEY feedback_assistant (organization_id, assistant_id, assistant_version, is_current, created_at),
    CONSTRAINT feedback_conversation_fk FOREIGN KEY (conversation_id) REFERENCES conversations (id),
    CONSTRAINT feedback_message_fk FOREIGN KEY (message_id) REFERENCES messages (id),
    CONSTRAINT feedback_api_key_fk FOREIGN KEY (api_key_id) REFERENCES api_keys (id),
    CONSTRAINT feedback_rating_range CHECK (rating BETWEEN 1 AND 5),
    CONSTRAINT feedback_metadata_object CHECK (JSON_TYPE(metadata) = 'OBJECT')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Satisfaction ratings of conversations and messages; CSAT counts the current row of each rater and target';
