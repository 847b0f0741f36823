MATCH (i:Item)-[r:RELATED]->(e:Entity {id: $id})
RETURN i.id AS id, i.title AS title, r.relation AS relation
ORDER BY i.title, i.id, r.relation
SKIP $offset LIMIT $limit
