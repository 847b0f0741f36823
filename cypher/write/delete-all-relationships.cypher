// Reset helper, first half: removes every relationship in batches, so no transaction holds a node's whole edge list
// (DETACH DELETE of 10,000 users at once can exceed the transaction memory pool).
MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
