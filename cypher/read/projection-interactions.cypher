// Interaction edges of one page of users (keyset paging by user id): [item id, stored weight (none = 1.0), kind,
// rating, element id]: what doctor scans and repairs (by element id). The projection reads the same edges (same MATCH)
// through projection-interaction-lists, and checks them with the same predicate (core/bounds).
MATCH (u:User)
WHERE u.id > $after
WITH u ORDER BY u.id LIMIT $page
OPTIONAL MATCH (u)-[r:INTERACTED]->(i:Item)
RETURN u.id AS id, collect([i.id, coalesce(r.weight, 1.0), r.kind, r.rating, elementId(r)]) AS edges
