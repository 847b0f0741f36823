// doctor --fix: deletes the INTERACTED edges with these element ids (found invalid in the same transaction).
UNWIND $eids AS eid
MATCH ()-[r:INTERACTED]->()
WHERE elementId(r) = eid
DELETE r
