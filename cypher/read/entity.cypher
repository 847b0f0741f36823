MATCH (e:Entity {id: $id})
CALL (e) { OPTIONAL MATCH (i:Item)-[r:RELATED]->(e) RETURN count(r) AS total }
RETURN e.id AS id, e.kind AS kind, e.name AS name, total
