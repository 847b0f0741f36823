// Writes the rows whose user and item exist (one edge per key; the edge keeps the latest row by ts, an undated row is
// older than any dated one, equal ts: the later row wins — core/interactions; idempotent) and returns
// the others. The pattern names the kind too, so a key shared by two different edges fails on the unique constraint
// instead of merging them. Rows come as parallel lists, one entry per row.
UNWIND range(0, size($keys) - 1) AS n
OPTIONAL MATCH (u:User {id: $userIds[n]})
OPTIONAL MATCH (i:Item {id: $itemIds[n]})
CALL (n, u, i) {
  WITH n, u, i
  WHERE u IS NOT NULL AND i IS NOT NULL
  MERGE (u)-[r:INTERACTED {key: $keys[n], kind: $kinds[n]}]->(i)
  WITH n, r
  WHERE r.ts IS NULL OR coalesce($ts[n], -1) >= r.ts
  SET r.rating = $ratings[n], r.weight = $weights[n], r.ts = $ts[n]
}
WITH n, u, i
WHERE u IS NULL OR i IS NULL
RETURN n, u IS NULL AS missingUser, i IS NULL AS missingItem
