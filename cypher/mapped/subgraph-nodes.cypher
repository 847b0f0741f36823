// Mapped model: graphrec's view (kind, id, label, entity kind) of mapped nodes by element id.
MATCH (n) WHERE elementId(n) IN $eids
WITH n, $nodes[head([l IN labels(n) WHERE l IN $nodeLabels])] AS d
RETURN elementId(n) AS eid, d.prefix + toString(n[d.id]) AS id, d.kind AS kind,
       toString(coalesce(n[d.label], n[d.id])) AS label, d.entityKind AS entityKind
