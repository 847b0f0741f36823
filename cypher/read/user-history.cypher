// Newest first (undated last), then item id, then interaction kind.
MATCH (u:User {id: $id})-[r:INTERACTED]->(i:Item)
RETURN i.id AS itemId, i.title AS title, r.kind AS kind, r.rating AS rating, r.weight AS weight, r.ts AS ts
ORDER BY r.ts IS NULL, r.ts DESC, i.id ASC, r.kind ASC
SKIP $offset LIMIT $limit
