// Writes the rows whose user and item exist (one edge per key, values replaced, later rows win: idempotent) and returns
// the others. The pattern names the kind too, so a key shared by two different edges fails on the unique constraint
// instead of merging them. Rows come as parallel lists, one entry per row.
UNWIND range(0, size($keys) - 1) AS n
OPTIONAL MATCH (u:User {id: $userIds[n]})
OPTIONAL MATCH (i:Item {id: $itemIds[n]})
CALL (n, u, i) {
  WITH n, u, i
  WHERE u IS NOT NULL AND i IS NOT NULL
  MERGE (u)-[r:INTERACTED {key: $keys[n], kind: $kinds[n]}]->(i)
  SET r.rating = $ratings[n], r.weight = $weights[n], r.ts = $ts[n]
}
WITH n, u, i
WHERE u IS NULL OR i IS NULL
RETURN n, u IS NULL AS missingUser, i IS NULL AS missingItem
