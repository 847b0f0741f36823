MATCH (a)-[r:INTERACTED|RELATED]->(b)
WHERE elementId(a) IN $eids AND elementId(b) IN $eids
RETURN elementId(a) AS from, elementId(b) AS to, type(r) AS type, coalesce(r.relation, r.kind) AS relation, r.weight AS weight
