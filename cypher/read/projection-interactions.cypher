// Interaction edges of one page of users (keyset paging by user id).
MATCH (u:User)
WHERE u.id > $after
WITH u ORDER BY u.id LIMIT $page
OPTIONAL MATCH (u)-[r:INTERACTED]->(i:Item)
RETURN u.id AS id, collect([i.id, coalesce(r.weight, 1.0)]) AS edges
