// One BFS step: unseen neighbours of the frontier, ordered for a deterministic cap.
MATCH (a)-[:INTERACTED|RELATED]-(m)
WHERE elementId(a) IN $frontier AND NOT elementId(m) IN $seen
WITH DISTINCT m
RETURN elementId(m) AS eid
ORDER BY CASE WHEN m:User THEN 0 WHEN m:Item THEN 1 ELSE 2 END, m.id
LIMIT $limit
