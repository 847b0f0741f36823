CALL () { MATCH (u:User) RETURN count(u) AS users }
CALL () { MATCH (i:Item) RETURN count(i) AS items }
CALL () { MATCH (e:Entity) RETURN count(e) AS entities }
CALL () { MATCH (:User)-[r:INTERACTED]->(:Item) RETURN count(r) AS interactions }
CALL () { MATCH ()-[r:RELATED]->() RETURN count(r) AS knowledge }
RETURN users, items, entities, interactions, knowledge
