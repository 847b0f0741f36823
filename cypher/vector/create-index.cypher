// One vector index per embedded label; {{label}} and {{dimensions}} come from a whitelist / a checked integer.
CREATE VECTOR INDEX embedding_{{label}} IF NOT EXISTS
FOR (n:{{label}}) ON n.embedding
OPTIONS { indexConfig: { `vector.dimensions`: {{dimensions}}, `vector.similarity_function`: "cosine" } }
