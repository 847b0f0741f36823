// doctor --fix clamp: sets the clamped weight and rating of the INTERACTED edges with these element ids.
UNWIND $rows AS row
MATCH ()-[r:INTERACTED]->()
WHERE elementId(r) = row.eid
SET r.weight = row.weight, r.rating = row.rating
