// Mapped model: one interaction written through the API: the relationship of the mapped type {{type}} between two
// located nodes (element ids, in the stored direction), created if missing; $values sets its mapped properties.
MATCH (a) WHERE elementId(a) = $from
MATCH (b) WHERE elementId(b) = $to
MERGE (a)-[r:{{type}}]->(b)
SET r += $values
