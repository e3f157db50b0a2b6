-- How many (not deleted) assistants each organization has, so a page of the assistant list costs
-- the same at 100,000 assistants as at ten: the list's `count` sums an organization's few rows
-- here instead of counting its assistants. Triggers keep it exact in the same transaction as the
-- change, whoever makes it (the API, the purge, a DBA's SQL). Each connection adds to its own
-- slot (CONNECTION_ID() MOD 16), so responders creating assistants in one organization at once do
-- not queue on one row; a slot may go negative (created on one connection, deleted on another),
-- only the organization's sum means anything.

CREATE TABLE assistant_counts (
    organization_id UUID NOT NULL COMMENT 'Organization whose assistants are counted',
    slot TINYINT UNSIGNED NOT NULL COMMENT 'CONNECTION_ID() MOD 16 of the writers; spreads concurrent writers over rows',
    assistants INT NOT NULL COMMENT 'Change in the number of not deleted assistants made through this slot',
    PRIMARY KEY (organization_id, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='SUM(assistants) per organization = its assistants with deleted_at NULL; maintained by triggers on assistants';

INSERT INTO assistant_counts (organization_id, slot, assistants)
SELECT organization_id, 0, COUNT(*) FROM assistants WHERE deleted_at IS NULL GROUP BY organization_id;

CREATE TRIGGER assistants_count_insert AFTER INSERT ON assistants FOR EACH ROW
    INSERT INTO assistant_counts (organization_id, slot, assistants)
    SELECT NEW.organization_id, CONNECTION_ID() MOD 16, 1 FROM DUAL WHERE NEW.deleted_at IS NULL
    ON DUPLICATE KEY UPDATE assistants = assistants + 1;

CREATE TRIGGER assistants_count_update AFTER UPDATE ON assistants FOR EACH ROW
    INSERT INTO assistant_counts (organization_id, slot, assistants)
    SELECT NEW.organization_id, CONNECTION_ID() MOD 16, IF(NEW.deleted_at IS NULL, 1, -1) FROM DUAL
    WHERE (NEW.deleted_at IS NULL) <> (OLD.deleted_at IS NULL)
    ON DUPLICATE KEY UPDATE assistants = assistants + VALUES(assistants);

CREATE TRIGGER assistants_count_delete AFTER DELETE ON assistants FOR EACH ROW
    INSERT INTO assistant_counts (organization_id, slot, assistants)
    SELECT OLD.organization_id, CONNECTION_ID() MOD 16, -1 FROM DUAL WHERE OLD.deleted_at IS NULL
    ON DUPLICATE KEY UPDATE assistants = assistants - 1;
