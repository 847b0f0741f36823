// The kinds kept on each (user, item) pair a write touched, read back in the write's own transaction: what the live
// engine applies (core/interactions combines them exactly as the projection reload does).
UNWIND $pairs AS p
MATCH (u:User {id: p.userId})-[r:INTERACTED]->(i:Item {id: p.itemId})
RETURN p.userId AS userId, p.itemId AS itemId, collect([r.kind, coalesce(r.weight, 1.0)]) AS kinds
