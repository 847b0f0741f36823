// Reset helper, second half (after delete-all-relationships): removes every node in batches.
MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
