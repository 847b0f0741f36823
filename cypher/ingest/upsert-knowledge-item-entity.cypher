// Item→Entity knowledge edges: writes the rows whose ends exist (one edge per key) and returns the others.
UNWIND $rows AS row
OPTIONAL MATCH (h:Item {id: row.headId})
OPTIONAL MATCH (t:Entity {id: row.tailId})
CALL (row, h, t) {
  WITH row, h, t
  WHERE h IS NOT NULL AND t IS NOT NULL
  MERGE (h)-[r:RELATED {key: row.key}]->(t)
  SET r.relation = row.relation
}
WITH row, h, t
WHERE h IS NULL OR t IS NULL
RETURN row.n AS n, h IS NULL AS missingHead, t IS NULL AS missingTail
