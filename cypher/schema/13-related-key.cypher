// One RELATED edge per (head, relation, tail): `key` is a 64-bit hash of (headKind, headId, relation, tailKind, tailId)
// (`knowledgeKey` in src/store/neo4j-graph-store.ts).
CREATE CONSTRAINT related_key IF NOT EXISTS FOR ()-[r:RELATED]-() REQUIRE r.key IS UNIQUE
