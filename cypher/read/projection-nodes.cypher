// One page of node ids of a label ({{label}} from a whitelist), in id order (keyset paging on the unique index).
MATCH (n:{{label}})
WHERE n.id > $after
RETURN n.id AS id
ORDER BY n.id
LIMIT $page
