// One INTERACTED edge per (user, item, kind): `key` is the JSON array [userId, itemId, kind]. The unique index makes the
// MERGE on it an index seek instead of a scan of the (often dense) end nodes' relationships.
CREATE CONSTRAINT interaction_key IF NOT EXISTS FOR ()-[r:INTERACTED]-() REQUIRE r.key IS UNIQUE
