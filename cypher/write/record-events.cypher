// Stores new events (ids checked absent in the same transaction) and keeps one INTERACTED edge per
// (user, item, kind) holding the values of the latest event by timestamp.
UNWIND $events AS ev
MATCH (u:User {id: ev.userId})
MATCH (i:Item {id: ev.itemId})
MERGE (e:InteractionEvent {id: ev.eventId})
SET e.userId = ev.userId, e.itemId = ev.itemId, e.kind = ev.kind, e.rating = ev.rating, e.weight = ev.weight, e.ts = ev.ts
MERGE (u)-[r:INTERACTED {kind: ev.kind}]->(i)
WITH r, ev
WHERE r.ts IS NULL OR ev.ts >= r.ts
SET r.rating = ev.rating, r.weight = ev.weight, r.ts = ev.ts
