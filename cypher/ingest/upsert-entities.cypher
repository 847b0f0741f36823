UNWIND $rows AS row
MERGE (e:Entity {id: row.id})
SET e.kind = row.kind, e.name = row.name
