// Interaction edges of one page of users (keyset paging by user id): [item id, kind, kept value], one per kind.
MATCH (u:User)
WHERE u.id > $after
WITH u ORDER BY u.id LIMIT $page
OPTIONAL MATCH (u)-[r:INTERACTED]->(i:Item)
RETURN u.id AS id, collect([i.id, r.kind, coalesce(r.weight, 1.0)]) AS edges
