-- Knowledge gaps: what visitors asked that the assistant could not answer well, grouped by meaning.
-- A question (a visitor's message) is a gap question while its reply handed it to a human, was
-- written without sources, or was rated 1 or 2 (GapStore.candidates says exactly when). Reading
-- /analytics/gaps/ assigns the range's new gap questions to the nearest open gap of the same
-- embedding model, or starts a gap; the figures are counted from these rows and the messages at
-- read time, so a question that stops qualifying (its rating changed) stops counting.

CREATE TABLE knowledge_gaps (
    id UUID NOT NULL COMMENT 'Opaque gap id',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    embedding_model VARCHAR(200) NOT NULL COMMENT 'Model of vector_sum and of every member''s embedding',
    vector_sum BLOB NOT NULL COMMENT 'Sum of the members'' unit embeddings (float32 little-endian); its direction is the gap''s centre',
    questions INT UNSIGNED NOT NULL COMMENT 'Questions ever assigned to the gap',
    representative_message_id UUID NOT NULL COMMENT 'The member closest to the centre (messages.id)',
    representative_question TEXT NOT NULL COMMENT 'That member''s text',
    status ENUM('open', 'answered') NOT NULL DEFAULT 'open'
        COMMENT 'open: takes new questions; answered: a Q&A pair was written for it, it takes no more',
    answer_source_id UUID NULL COMMENT 'The Q&A pair written to answer it (knowledge_sources.id)',
    answered_at DATETIME(6) NULL COMMENT 'When it was answered (UTC)',
    answered_by_api_key_id UUID NULL COMMENT 'API key that answered it',
    created_at DATETIME(6) NOT NULL COMMENT 'When its first question was assigned (UTC)',
    updated_at DATETIME(6) NOT NULL COMMENT 'Last change (UTC)',
    PRIMARY KEY (id),
    KEY knowledge_gaps_open (organization_id, status, embedding_model),
    CONSTRAINT knowledge_gaps_organization_fk FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT knowledge_gaps_answer_fk FOREIGN KEY (answer_source_id) REFERENCES knowledge_sources (id) ON DELETE SET NULL,
    CONSTRAINT knowledge_gaps_answer_key_fk FOREIGN KEY (answered_by_api_key_id) REFERENCES api_keys (id),
    CONSTRAINT knowledge_gaps_answered CHECK ((status = 'answered') = (answered_at IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Clusters of questions the assistants could not answer well, and the Q&A pair that answered each';

CREATE TABLE knowledge_gap_questions (
    message_id UUID NOT NULL COMMENT 'The visitor''s question (messages.id, role user)',
    organization_id UUID NOT NULL COMMENT 'Owning organization',
    gap_id UUID NOT NULL COMMENT 'Gap it was assigned to',
    embedding BLOB NOT NULL COMMENT 'The question''s unit embedding (float32 little-endian), of the gap''s model',
    similarity FLOAT NOT NULL COMMENT 'Cosine to the gap''s centre when assigned; 1 for the question that started the gap',
    language VARCHAR(16) NOT NULL COMMENT 'pt, en or es as told by the question''s own words; und when they do not tell',
    assigned_at DATETIME(6) NOT NULL COMMENT 'When it was assigned (UTC)',
    PRIMARY KEY (message_id),
    KEY knowledge_gap_questions_gap (organization_id, gap_id),
    CONSTRAINT knowledge_gap_questions_message_fk FOREIGN KEY (message_id) REFERENCES messages (id),
    CONSTRAINT knowledge_gap_questions_gap_fk FOREIGN KEY (gap_id) REFERENCES knowledge_gaps (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Which gap each gap question belongs to; one gap per question';
