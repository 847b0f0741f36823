CALL () { MATCH (u:User) RETURN count(u) AS users }
CALL () { MATCH (i:Item) RETURN count(i) AS items }
CALL () { MATCH (e:Entity) RETURN count(e) AS entities }
// One labelled end: Neo4j answers from its count store (O(1)); with both ends labelled it scans every interaction
// (minutes at 50M). The loaders write INTERACTED only from a User to an Item.
CALL () { MATCH (:User)-[r:INTERACTED]->() RETURN count(r) AS interactions }
CALL () { MATCH ()-[r:RELATED]->() RETURN count(r) AS knowledge }
RETURN users, items, entities, interactions, knowledge
