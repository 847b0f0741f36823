// Rows of an interaction batch whose user or item does not exist: reported, not written.
UNWIND $rows AS row
OPTIONAL MATCH (u:User {id: row.userId})
OPTIONAL MATCH (i:Item {id: row.itemId})
WITH row, u, i
WHERE u IS NULL OR i IS NULL
RETURN row.n AS n, u IS NULL AS missingUser, i IS NULL AS missingItem
