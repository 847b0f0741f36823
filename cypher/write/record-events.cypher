// Stores API interaction events (their ids were checked absent in the same transaction).
UNWIND $events AS ev
CREATE (e:InteractionEvent {id: ev.eventId})
SET e.userId = ev.userId, e.itemId = ev.itemId, e.kind = ev.kind, e.rating = ev.rating, e.weight = ev.weight, e.ts = ev.ts
