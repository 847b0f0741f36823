// Mapped model: one BFS step over the mapped relationship types: every not-yet-seen mapped neighbour of the frontier.
MATCH (a)-[:{{types}}]-(m)
WHERE elementId(a) IN $frontier AND NOT elementId(m) IN $seen
WITH DISTINCT m, head([l IN labels(m) WHERE l IN $nodeLabels]) AS lm
WHERE lm IS NOT NULL AND m[$nodes[lm].id] IS NOT NULL
RETURN elementId(m) AS eid, $nodes[lm].prefix + toString(m[$nodes[lm].id]) AS id, $nodes[lm].kind AS kind
