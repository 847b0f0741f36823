// Properties of one page of items (the filters of recommendations read them), keyset-paged by id.
MATCH (n:Item)
WHERE n.id > $after
RETURN n.id AS id, properties(n) AS props
ORDER BY n.id
LIMIT $page
