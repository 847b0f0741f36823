// One BFS step: every not-yet-seen neighbour of the frontier (the store orders and caps them).
MATCH (a)-[:INTERACTED|RELATED]-(m)
WHERE elementId(a) IN $frontier AND NOT elementId(m) IN $seen
WITH DISTINCT m
RETURN elementId(m) AS eid, m.id AS id, CASE WHEN m:User THEN "User" WHEN m:Item THEN "Item" ELSE "Entity" END AS kind
