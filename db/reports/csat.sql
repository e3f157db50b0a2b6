-- Satisfaction per assistant and version (the current rating of each rater counts).
--   mariadb --table companin < db/reports/csat.sql
SELECT organization_id, assistant_name, assistant_version, ratings, average_rating, csat_percent, with_comment, last_rated_at
FROM report_csat
ORDER BY organization_id, assistant_name, assistant_version;
