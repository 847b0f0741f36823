// Builds Neo4j's movie-recommendations model from ML-100K + DBpedia as graphrec ingested it
// (`graphrec ingest movielens-dbpedia:../shared/data/ml-100k,../shared/data/ml-100k-dbpedia`), in place:
//   (:User {userId})-[:RATED {rating, timestamp}]->(:Movie {movieId, title, …})
//   (:Person:Actor {personId, name})-[:ACTED_IN]->(:Movie), (:Person:Director)-[:DIRECTED]->(:Movie)
//   (:Movie)-[:IN_GENRE]->(:Genre {name})
// Knowledge the movie model has no place for (writer, producer, subject, …) is deleted first, with the entities left
// without any relation, so the graph before and after holds the same data (test/integration/mapping/movies-mapping).
// Afterwards no node carries graphrec's labels Item or Entity, and no INTERACTED or RELATED relationship is left.
MATCH (i:Item)-[r:RELATED]->(e:Entity)
WHERE NOT ((r.relation = 'genre' AND e.kind = 'genre') OR (r.relation IN ['starring', 'director'] AND e.kind = 'person'))
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH ()-[r:RELATED]->() WHERE NOT (startNode(r):Item AND endNode(r):Entity)
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (e:Entity) WHERE NOT (e)--()
CALL (e) { DELETE e } IN TRANSACTIONS OF 10000 ROWS;
// -- snapshot point: the graph above is "the same data" in graphrec's own model --
MATCH (u:User)
CALL (u) { SET u.userId = toInteger(substring(u.id, size('ml100k:u:'))) REMOVE u.id } IN TRANSACTIONS OF 10000 ROWS;
MATCH (i:Item)
CALL (i) { SET i:Movie, i.movieId = toInteger(substring(i.id, size('ml100k:i:'))) REMOVE i:Item, i.id } IN TRANSACTIONS OF 10000 ROWS;
MATCH (u:User)-[r:INTERACTED]->(m:Movie)
CALL (u, r, m) { CREATE (u)-[:RATED {rating: r.rating, timestamp: r.ts}]->(m) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (g:Entity {kind: 'genre'})
CALL (g) { SET g:Genre REMOVE g:Entity, g.id, g.kind } IN TRANSACTIONS OF 10000 ROWS;
MATCH (p:Entity {kind: 'person'})
CALL (p) { SET p:Person, p.personId = substring(p.id, size('dbpedia:')) REMOVE p:Entity, p.id, p.kind } IN TRANSACTIONS OF 10000 ROWS;
MATCH (m:Movie)-[r:RELATED {relation: 'starring'}]->(p:Person)
CALL (m, r, p) { SET p:Actor CREATE (p)-[:ACTED_IN]->(m) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (m:Movie)-[r:RELATED {relation: 'director'}]->(p:Person)
CALL (m, r, p) { SET p:Director CREATE (p)-[:DIRECTED]->(m) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (m:Movie)-[r:RELATED {relation: 'genre'}]->(g:Genre)
CALL (m, r, g) { CREATE (m)-[:IN_GENRE]->(g) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
