// {{fromLabel}}→{{toLabel}} knowledge edges: writes the rows whose ends exist (one edge per key; the pattern names the
// relation too, so a key shared by two different edges fails on the unique constraint) and returns the others.
// Parallel lists, one entry per row.
UNWIND range(0, size($keys) - 1) AS n
OPTIONAL MATCH (h:{{fromLabel}} {id: $headIds[n]})
OPTIONAL MATCH (t:{{toLabel}} {id: $tailIds[n]})
CALL (n, h, t) {
  WITH n, h, t
  WHERE h IS NOT NULL AND t IS NOT NULL
  MERGE (h)-[:RELATED {key: $keys[n], relation: $relations[n]}]->(t)
}
WITH n, h, t
WHERE h IS NULL OR t IS NULL
RETURN n, h IS NULL AS missingHead, t IS NULL AS missingTail
