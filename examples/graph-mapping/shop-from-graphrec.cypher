// Builds a shop in its own schema from a dataset of the seeded generator (`graphrec generate --out DIR`) as graphrec
// ingested it (`graphrec ingest generic:DIR`), in place:
//   (:Customer {customerId})-[:BOUGHT {quantity, at: datetime}]->(:Product {sku, name, year})
//   (:Product)-[:IN_CATEGORY]->(:Category {name}),  (:Product)-[:MADE_BY]->(:Brand {name})
// Genres become categories ("Genre 3" → "Category 3"), studios brands; the rating becomes the quantity bought and the
// time a DATETIME. Other knowledge (persons, tags, entity–entity edges) is deleted first (part 0).
// Used by test/integration/mapping/shop-generated.test.ts with examples/graph-mapping/shop.mapping.json.
MATCH ()-[r:RELATED]->()
WHERE NOT (startNode(r):Item AND endNode(r):Entity AND ((r.relation = 'genre' AND endNode(r).kind = 'genre') OR (r.relation = 'studio' AND endNode(r).kind = 'studio')))
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (e:Entity) WHERE NOT (e)--()
CALL (e) { DELETE e } IN TRANSACTIONS OF 10000 ROWS;
// -- into the shop schema --
MATCH (u:User)
CALL (u) { SET u:Customer, u.customerId = u.id REMOVE u:User, u.id } IN TRANSACTIONS OF 10000 ROWS;
MATCH (i:Item)
CALL (i) { SET i:Product, i.sku = i.id, i.name = i.title REMOVE i:Item, i.id, i.title } IN TRANSACTIONS OF 10000 ROWS;
MATCH (c:Customer)-[r:INTERACTED]->(p:Product)
CALL (c, r, p) { CREATE (c)-[:BOUGHT {quantity: toInteger(coalesce(r.rating, r.weight)), at: datetime({epochSeconds: toInteger(r.ts)})}]->(p) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (g:Entity {kind: 'genre'})
CALL (g) { SET g:Category, g.name = replace(g.name, 'Genre', 'Category') REMOVE g:Entity, g.id, g.kind } IN TRANSACTIONS OF 10000 ROWS;
MATCH (s:Entity {kind: 'studio'})
CALL (s) { SET s:Brand REMOVE s:Entity, s.id, s.kind } IN TRANSACTIONS OF 10000 ROWS;
MATCH (p:Product)-[r:RELATED {relation: 'genre'}]->(c:Category)
CALL (p, r, c) { MERGE (p)-[:IN_CATEGORY]->(c) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (p:Product)-[r:RELATED {relation: 'studio'}]->(b:Brand)
CALL (p, r, b) { MERGE (p)-[:MADE_BY]->(b) DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (n) WHERE n:InteractionEvent OR n:IngestCheckpoint
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS;
