MATCH (u:User {id: $id})
CALL (u) { OPTIONAL MATCH (u)-[r:INTERACTED]->(:Item) RETURN count(r) AS total }
RETURN total
