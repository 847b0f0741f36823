// Stores one embedding per node ({{label}} from a whitelist) as a LIST<FLOAT> property indexed by the vector index.
UNWIND $rows AS row
MATCH (n:{{label}} {id: row.id})
SET n.embedding = row.vector, n.embeddingVersion = $version
