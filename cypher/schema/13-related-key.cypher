// One RELATED edge per (head, relation, tail): `key` is the JSON array [headKind, headId, relation, tailKind, tailId].
CREATE CONSTRAINT related_key IF NOT EXISTS FOR ()-[r:RELATED]-() REQUIRE r.key IS UNIQUE
