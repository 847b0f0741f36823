CREATE INDEX entity_kind IF NOT EXISTS FOR (e:Entity) ON (e.kind)
