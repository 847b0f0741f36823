// Rows of a knowledge batch whose head or tail does not exist (heads/tails are Items or Entities).
UNWIND $rows AS row
OPTIONAL MATCH (h:Item {id: row.headId}) WHERE row.headKind = "Item"
OPTIONAL MATCH (he:Entity {id: row.headId}) WHERE row.headKind = "Entity"
OPTIONAL MATCH (t:Item {id: row.tailId}) WHERE row.tailKind = "Item"
OPTIONAL MATCH (te:Entity {id: row.tailId}) WHERE row.tailKind = "Entity"
WITH row, coalesce(h, he) AS head, coalesce(t, te) AS tail
WHERE head IS NULL OR tail IS NULL
RETURN row.n AS n, head IS NULL AS missingHead, tail IS NULL AS missingTail
