// Interaction edges of one page of users (keyset paging by user id) as parallel lists, one entry per edge: item ids,
// stored weights (none = 1.0), kinds, ratings. The same edges as projection-interactions (same MATCH), in the compact
// form the projection reads: no element ids and no list per edge on the wire. A user without interactions gets one
// entry of nulls (skipped by the reader, like projection-interactions' row).
MATCH (u:User)
WHERE u.id > $after
WITH u ORDER BY u.id LIMIT $page
OPTIONAL MATCH (u)-[r:INTERACTED]->(i:Item)
WITH u, collect([r, i.id]) AS es
RETURN u.id AS id, [e IN es | e[1]] AS items, [e IN es | coalesce(e[0].weight, 1.0)] AS weights, [e IN es | e[0].kind] AS kinds,
  [e IN es | e[0].rating] AS ratings
