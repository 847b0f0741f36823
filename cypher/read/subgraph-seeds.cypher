UNWIND $seeds AS seed
CALL (seed) {
  OPTIONAL MATCH (u:User {id: seed.id}) WHERE seed.kind = "User"
  OPTIONAL MATCH (i:Item {id: seed.id}) WHERE seed.kind = "Item"
  OPTIONAL MATCH (e:Entity {id: seed.id}) WHERE seed.kind = "Entity"
  RETURN coalesce(u, i, e) AS n
}
RETURN seed.kind AS kind, seed.id AS id, elementId(n) AS eid
