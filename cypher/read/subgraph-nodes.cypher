MATCH (n) WHERE elementId(n) IN $eids
RETURN elementId(n) AS eid, n.id AS id, labels(n) AS labels, coalesce(n.title, n.name, n.id) AS label, n.kind AS entityKind
