// One INTERACTED edge per (user, item, kind): `key` is a 64-bit hash of (userId, itemId, kind) (`interactionKey` in
// src/store/neo4j-graph-store.ts: an inline 8-byte value, cheap to store and compare). The unique index makes the
// MERGE on it an index seek instead of a scan of the (often dense) end nodes' relationships.
CREATE CONSTRAINT interaction_key IF NOT EXISTS FOR ()-[r:INTERACTED]-() REQUIRE r.key IS UNIQUE
