// Fast path of the loader for a batch whose keys are all new: CREATE instead of MERGE (no index seek, no merge lock).
// Should one of the keys exist after all (another writer, a repeated row), the unique constraint fails the transaction
// and the loader re-runs the batch with merge-interactions. Rows come as parallel lists, one entry per row (cheaper to
// send over Bolt than one map per row). Returns the rows whose user or item does not exist (not written).
UNWIND range(0, size($keys) - 1) AS n
OPTIONAL MATCH (u:User {id: $userIds[n]})
OPTIONAL MATCH (i:Item {id: $itemIds[n]})
CALL (n, u, i) {
  WITH n, u, i
  WHERE u IS NOT NULL AND i IS NOT NULL
  CREATE (u)-[:INTERACTED {key: $keys[n], kind: $kinds[n], rating: $ratings[n], weight: $weights[n], ts: $ts[n]}]->(i)
}
WITH n, u, i
WHERE u IS NULL OR i IS NULL
RETURN n, u IS NULL AS missingUser, i IS NULL AS missingItem
