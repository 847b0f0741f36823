// Mapped model: users or items written through the API into the first mapped label of their kind ({{label}}, id
// property {{idProp}}); $rows: [{id, props}] (props already hold the mapped title property, never the id).
UNWIND $rows AS row
MERGE (n:{{label}} {{{idProp}}: row.id})
SET n += row.props
