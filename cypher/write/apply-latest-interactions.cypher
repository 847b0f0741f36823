// One row per (user, item, kind), already the latest of its batch: the edge keeps the values of the latest event by
// timestamp (an undated event is older than any dated one; on equal timestamps the later-recorded event wins). The
// pattern names the kind too, so a key shared by two different edges fails on the unique constraint.
UNWIND $rows AS ev
MATCH (u:User {id: ev.userId})
MATCH (i:Item {id: ev.itemId})
MERGE (u)-[r:INTERACTED {key: ev.key, kind: ev.kind}]->(i)
WITH r, ev
WHERE r.ts IS NULL OR coalesce(ev.ts, -1) >= r.ts
SET r.rating = ev.rating, r.weight = ev.weight, r.ts = ev.ts
