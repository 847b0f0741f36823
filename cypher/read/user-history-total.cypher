MATCH (u:User {id: $id})
OPTIONAL MATCH (u)-[r:INTERACTED]->(:Item)
RETURN count(r) AS total
