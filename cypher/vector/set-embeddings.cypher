// Stores one embedding per node ({{label}} from a whitelist) as a LIST<FLOAT> property indexed by the vector index.
// Both property names are in core/model VECTOR_PROPERTY_KEYS, which node props never include.
UNWIND $rows AS row
MATCH (n:{{label}} {id: row.id})
SET n.embedding = row.vector, n.embeddingVersion = $version
