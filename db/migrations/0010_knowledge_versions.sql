-- A counter per organization that moves whenever what its searches can see changes: a chunk
-- written, re-embedded or removed, a source whose status changes or that is deleted. Responders
-- keep the organization's vectors in memory and reload them when the counter has moved, so the
-- triggers (rather than every writer remembering to) keep that memory honest — writes from SQL
-- by hand included. Chunks removed by the cascade of a source's deletion fire no trigger of
-- their own; the source's does.

CREATE TABLE knowledge_versions (
    organization_id UUID NOT NULL COMMENT 'Organization whose searchable knowledge this counts',
    version BIGINT UNSIGNED NOT NULL COMMENT 'Changes seen so far; only its movement means anything',
    PRIMARY KEY (organization_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Moves on every change to the searchable knowledge of an organization; read by the responders'' vector caches';

CREATE TRIGGER knowledge_chunks_version_insert AFTER INSERT ON knowledge_chunks FOR EACH ROW
    INSERT INTO knowledge_versions (organization_id, version) VALUES (NEW.organization_id, 1)
    ON DUPLICATE KEY UPDATE version = version + 1;

CREATE TRIGGER knowledge_chunks_version_update AFTER UPDATE ON knowledge_chunks FOR EACH ROW
    INSERT INTO knowledge_versions (organization_id, version) VALUES (NEW.organization_id, 1)
    ON DUPLICATE KEY UPDATE version = version + 1;

CREATE TRIGGER knowledge_chunks_version_delete AFTER DELETE ON knowledge_chunks FOR EACH ROW
    INSERT INTO knowledge_versions (organization_id, version) VALUES (OLD.organization_id, 1)
    ON DUPLICATE KEY UPDATE version = version + 1;

-- Only a change of status (ready or not) or of kind changes what a search sees of a source.
CREATE TRIGGER knowledge_sources_version_update AFTER UPDATE ON knowledge_sources FOR EACH ROW
    INSERT INTO knowledge_versions (organization_id, version)
    SELECT NEW.organization_id, 1 FROM DUAL WHERE NOT (OLD.status <=> NEW.status AND OLD.kind <=> NEW.kind)
    ON DUPLICATE KEY UPDATE version = version + 1;

CREATE TRIGGER knowledge_sources_version_delete AFTER DELETE ON knowledge_sources FOR EACH ROW
    INSERT INTO knowledge_versions (organization_id, version) VALUES (OLD.organization_id, 1)
    ON DUPLICATE KEY UPDATE version = version + 1;
