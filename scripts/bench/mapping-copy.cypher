// `npm run bench -- mapping`: a copy of graphrec's model in another schema, next to it in the same database, so the
// mapped projection (scripts/bench/mapping.mapping.json) reads the same graph as graphrec's own statements. Part 1
// deletes the copy again (and the three indexes it made for the copy itself).
CREATE RANGE INDEX bench_customer_id IF NOT EXISTS FOR (n:BenchCustomer) ON (n.customerId);
CREATE RANGE INDEX bench_product_sku IF NOT EXISTS FOR (n:BenchProduct) ON (n.sku);
CREATE RANGE INDEX bench_thing_id IF NOT EXISTS FOR (n:BenchThing) ON (n.thingId);
CALL db.awaitIndexes(300);
MATCH (u:User)
CALL (u) { CREATE (:BenchCustomer {customerId: u.id}) } IN TRANSACTIONS OF 10000 ROWS;
MATCH (i:Item)
CALL (i) { CREATE (:BenchProduct {sku: i.id, name: i.title}) } IN TRANSACTIONS OF 10000 ROWS;
MATCH (e:Entity)
CALL (e) { CREATE (:BenchThing {thingId: e.id, name: e.name}) } IN TRANSACTIONS OF 10000 ROWS;
MATCH (u:User)-[r:INTERACTED]->(i:Item)
CALL (u, r, i) {
  MATCH (c:BenchCustomer {customerId: u.id}), (p:BenchProduct {sku: i.id})
  CREATE (c)-[:BENCH_RATED {rating: r.rating, weight: r.weight, ts: r.ts, kind: r.kind}]->(p)
} IN TRANSACTIONS OF 10000 ROWS;
MATCH (i:Item)-[r:RELATED]->(e:Entity)
CALL (i, r, e) {
  MATCH (p:BenchProduct {sku: i.id}), (t:BenchThing {thingId: e.id})
  CREATE (p)-[:$('BENCH_' + r.relation)]->(t)
} IN TRANSACTIONS OF 10000 ROWS;
// -- delete the copy --
MATCH (n) WHERE n:BenchCustomer OR n:BenchProduct OR n:BenchThing
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS;
DROP INDEX bench_customer_id IF EXISTS;
DROP INDEX bench_product_sku IF EXISTS;
DROP INDEX bench_thing_id IF EXISTS;
