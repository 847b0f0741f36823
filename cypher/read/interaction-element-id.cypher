// Element id of the interaction edge (user, item, kind): what the projection read fetches for the few stored edges it
// skips as outside the bounds (their samples name the edge as doctor does).
MATCH (:User {id: $user})-[r:INTERACTED]->(:Item {id: $item})
WHERE r.kind = $kind
RETURN elementId(r) AS eid
LIMIT 1
