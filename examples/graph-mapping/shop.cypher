// A small shop in its own schema (not graphrec's): customers, products, categories, brands, purchases with a
// quantity and a date-time. Used by test/integration/mapping/shop-mapping.test.ts and docs/graph-mapping.md.
UNWIND [
  {name: 'Kitchen'}, {name: 'Garden'}, {name: 'Books'}, {name: 'Toys'}
] AS c CREATE (:Category {name: c.name});
UNWIND ['Acme', 'Globex', 'Initech'] AS b CREATE (:Brand {name: b});
UNWIND [
  {sku: 'P01', name: 'Chef knife', cat: 'Kitchen', brand: 'Acme'},
  {sku: 'P02', name: 'Cutting board', cat: 'Kitchen', brand: 'Acme'},
  {sku: 'P03', name: 'Frying pan', cat: 'Kitchen', brand: 'Globex'},
  {sku: 'P04', name: 'Spice rack', cat: 'Kitchen', brand: 'Initech'},
  {sku: 'P05', name: 'Garden hose', cat: 'Garden', brand: 'Globex'},
  {sku: 'P06', name: 'Rake', cat: 'Garden', brand: 'Globex'},
  {sku: 'P07', name: 'Seed pack', cat: 'Garden', brand: 'Initech'},
  {sku: 'P08', name: 'Cookbook', cat: 'Books', brand: 'Initech'},
  {sku: 'P09', name: 'Gardening guide', cat: 'Books', brand: 'Acme'},
  {sku: 'P10', name: 'Puzzle', cat: 'Toys', brand: 'Acme'},
  {sku: 'P11', name: 'Kite', cat: 'Toys', brand: 'Globex'},
  {sku: 'P12', name: 'Board game', cat: 'Toys', brand: 'Initech'}
] AS p
MATCH (c:Category {name: p.cat}), (b:Brand {name: p.brand})
CREATE (x:Product {sku: p.sku, name: p.name})-[:IN_CATEGORY]->(c), (x)-[:MADE_BY]->(b);
UNWIND [
  {id: 'c1', buys: [['P01', 1], ['P02', 2], ['P08', 1]]},
  {id: 'c2', buys: [['P01', 1], ['P03', 1], ['P04', 3], ['P08', 1]]},
  {id: 'c3', buys: [['P05', 2], ['P06', 1], ['P09', 1]]},
  {id: 'c4', buys: [['P05', 1], ['P07', 5], ['P06', 1], ['P10', 1]]},
  {id: 'c5', buys: [['P10', 1], ['P11', 2], ['P12', 1]]},
  {id: 'c6', buys: [['P02', 1], ['P03', 1], ['P12', 1], ['P11', 1]]}
] AS c
CREATE (u:Customer {customerId: c.id})
WITH u, c
UNWIND range(0, size(c.buys) - 1) AS k
MATCH (p:Product {sku: c.buys[k][0]})
CREATE (u)-[:BOUGHT {quantity: c.buys[k][1], at: datetime('2026-11-01T10:00:00Z') + duration({days: k})}]->(p);
