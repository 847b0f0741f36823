// Item→Entity knowledge edges: writes the rows whose ends exist (one edge per key; the pattern names the relation too, so a key
// shared by two different edges fails on the unique constraint) and returns the others.
UNWIND $rows AS row
OPTIONAL MATCH (h:Item {id: row.headId})
OPTIONAL MATCH (t:Entity {id: row.tailId})
CALL (row, h, t) {
  WITH row, h, t
  WHERE h IS NOT NULL AND t IS NOT NULL
  MERGE (h)-[:RELATED {key: row.key, relation: row.relation}]->(t)
}
WITH row, h, t
WHERE h IS NULL OR t IS NULL
RETURN row.n AS n, h IS NULL AS missingHead, t IS NULL AS missingTail
