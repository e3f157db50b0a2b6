-- Conversation volume and handoff rate per assistant over the last 30 days.
--   mariadb --table companin < db/reports/conversations.sql
SELECT assistant_name, SUM(conversations) AS conversations, SUM(messages) AS messages, SUM(needed_human) AS needed_human,
       SUM(handed_off) AS handed_off, ROUND(SUM(handed_off) / SUM(conversations), 4) AS handoff_rate
FROM report_conversations
WHERE day >= CURRENT_DATE - INTERVAL 30 DAY
GROUP BY organization_id, assistant_id, assistant_name
ORDER BY conversations DESC;
