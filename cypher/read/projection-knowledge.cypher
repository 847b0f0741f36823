// Knowledge edges leaving one page of {{label}} nodes (keyset paging by id).
MATCH (h:{{label}})
WHERE h.id > $after
WITH h ORDER BY h.id LIMIT $page
OPTIONAL MATCH (h)-[r:RELATED]->(t)
WHERE t:Item OR t:Entity
RETURN h.id AS id, collect([CASE WHEN t:Item THEN "Item" ELSE "Entity" END, t.id, r.relation]) AS edges
