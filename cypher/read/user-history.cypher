// A user's interaction count and one page of its interactions, newest first (undated last), then item id, then
// interaction kind, in one query (one round trip). No row: no such user; no interactions: total 0 and an empty list.
MATCH (u:User {id: $id})
CALL (u) { OPTIONAL MATCH (u)-[r:INTERACTED]->(:Item) RETURN count(r) AS total }
CALL (u) {
  MATCH (u)-[r:INTERACTED]->(i:Item)
  WITH r, i ORDER BY r.ts IS NULL, r.ts DESC, i.id ASC, r.kind ASC
  SKIP $offset LIMIT $limit
  RETURN collect({ itemId: i.id, title: i.title, kind: r.kind, rating: r.rating, weight: r.weight, ts: r.ts }) AS items
}
RETURN total, items
