// Fast path of the loader for {{fromLabel}}→{{toLabel}} knowledge edges whose keys are all new (see
// create-interactions). Parallel lists, one entry per row; returns the rows whose head or tail does not exist.
UNWIND range(0, size($keys) - 1) AS n
OPTIONAL MATCH (h:{{fromLabel}} {id: $headIds[n]})
OPTIONAL MATCH (t:{{toLabel}} {id: $tailIds[n]})
CALL (n, h, t) {
  WITH n, h, t
  WHERE h IS NOT NULL AND t IS NOT NULL
  CREATE (h)-[:RELATED {key: $keys[n], relation: $relations[n]}]->(t)
}
WITH n, h, t
WHERE h IS NULL OR t IS NULL
RETURN n, h IS NULL AS missingHead, t IS NULL AS missingTail
