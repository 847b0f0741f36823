MATCH (u:User {id: $id})
CALL (u) {
  OPTIONAL MATCH (u)-[r:INTERACTED]->(:Item)
  WITH r.kind AS kind, count(r) AS n
  WHERE kind IS NOT NULL
  RETURN collect({kind: kind, n: n}) AS byKind
}
RETURN u.id AS id, properties(u) AS props, byKind
