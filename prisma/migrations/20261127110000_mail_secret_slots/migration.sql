-- AlterTable
ALTER TABLE "Mail" ADD COLUMN     "secretSlots" JSONB;

-- Messages stored before kept their secrets as "[[secret:name]]" markers inside the text. Move each marker out of
-- the text into a slot (offset in characters), so queued messages still go out with their links and staff still
-- see where a secret was. (No semicolons inside statements: the migration runner splits the script on them.)
WITH RECURSIVE scan AS (
  SELECT m.id, b.part, ''::text AS content, b.body AS rest, '[]'::jsonb AS slots
  FROM "Mail" m CROSS JOIN LATERAL (VALUES ('text', m."text"), ('html', m."html")) AS b(part, body)
  WHERE m."text" LIKE '%[[secret:%' OR m."html" LIKE '%[[secret:%'
  UNION ALL
  SELECT s.id, s.part,
         s.content || left(s.rest, f.at - 1) || CASE WHEN f.name IS NULL THEN '[[secret:' ELSE '' END,
         substr(s.rest, f.at + CASE WHEN f.name IS NULL THEN 9 ELSE char_length(f.name) + 11 END),
         CASE WHEN f.name IS NULL THEN s.slots
              ELSE s.slots || jsonb_build_array(jsonb_build_object('at', char_length(s.content) + f.at - 1, 'name', f.name))
         END
  FROM scan s
  CROSS JOIN LATERAL (SELECT strpos(s.rest, '[[secret:') AS at) p
  CROSS JOIN LATERAL (
    SELECT p.at, (regexp_match(substr(s.rest, p.at), '^\[\[secret:([a-zA-Z]+)\]\]'))[1] AS name
  ) f
  WHERE p.at > 0
), converted AS (
  SELECT id, part, content || rest AS content, slots FROM scan WHERE strpos(rest, '[[secret:') = 0
)
UPDATE "Mail" AS m
SET "text" = t.content, "html" = h.content, "secretSlots" = jsonb_build_object('text', t.slots, 'html', h.slots)
FROM converted t, converted h
WHERE t.id = m.id AND t.part = 'text' AND h.id = m.id AND h.part = 'html'
