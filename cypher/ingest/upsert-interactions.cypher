// One INTERACTED edge per (user, item, kind); re-running sets the same values (idempotent).
UNWIND $rows AS row
MATCH (u:User {id: row.userId})
MATCH (i:Item {id: row.itemId})
MERGE (u)-[r:INTERACTED {kind: row.kind}]->(i)
SET r.rating = row.rating, r.weight = row.weight, r.ts = row.ts
