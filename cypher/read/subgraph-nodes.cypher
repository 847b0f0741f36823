MATCH (n) WHERE elementId(n) IN $eids
RETURN elementId(n) AS eid, n.id AS id, CASE WHEN n:User THEN "User" WHEN n:Item THEN "Item" ELSE "Entity" END AS kind,
       CASE WHEN n:User THEN n.id WHEN n:Item THEN n.title ELSE n.name END AS label, n.kind AS entityKind
