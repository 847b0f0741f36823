// Writes the rows whose user and item exist (one edge per key, values replaced: idempotent) and returns the others.
UNWIND $rows AS row
OPTIONAL MATCH (u:User {id: row.userId})
OPTIONAL MATCH (i:Item {id: row.itemId})
CALL (row, u, i) {
  WITH row, u, i
  WHERE u IS NOT NULL AND i IS NOT NULL
  MERGE (u)-[r:INTERACTED {key: row.key}]->(i)
  SET r.kind = row.kind, r.rating = row.rating, r.weight = row.weight, r.ts = row.ts
}
WITH row, u, i
WHERE u IS NULL OR i IS NULL
RETURN row.n AS n, u IS NULL AS missingUser, i IS NULL AS missingItem
