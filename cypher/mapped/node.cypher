// Mapped model: one node of a mapped label by its stored id ($id: string or integer, as the mapping says).
MATCH (n:{{label}} {{{idProp}}: $id})
RETURN elementId(n) AS eid, properties(n) AS props
LIMIT 1
