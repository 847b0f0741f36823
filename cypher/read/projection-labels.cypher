// Display names of one page of {{label}} nodes (item titles, entity names), keyset-paged by id.
MATCH (n:{{label}})
WHERE n.id > $after
RETURN n.id AS id, coalesce(n.title, n.name, n.id) AS label
ORDER BY n.id
LIMIT $page
