// Mapped model: edges around one mapped node over the mapped relationship types. `outgoing` is the stored direction;
// the store turns it into graphrec's (reversed types point the other way) and filters on it.
MATCH (n:{{label}} {{{idProp}}: $id})
CALL (n) {
  MATCH (n)-[r:{{types}}]->(m)
  RETURN r, m, true AS outgoing
  UNION ALL
  MATCH (n)<-[r:{{types}}]-(m)
  RETURN r, m, false AS outgoing
}
WITH r, m, outgoing, head([l IN labels(m) WHERE l IN $nodeLabels]) AS lm
WHERE lm IS NOT NULL AND m[$nodes[lm].id] IS NOT NULL
WITH r, m, outgoing, $nodes[lm] AS d, $rels[type(r)] AS rd
WHERE ($relation IS NULL OR rd.relation = $relation)
  AND ($direction = 'both' OR ($direction = 'out') = (outgoing <> rd.reversed))
RETURN rd.type AS type, rd.relation AS relation, CASE WHEN rd.weight IS NULL THEN null ELSE r[rd.weight] END AS weight,
       outgoing <> rd.reversed AS outgoing, d.prefix + toString(m[d.id]) AS id, d.kind AS kind,
       toString(coalesce(m[d.label], m[d.id])) AS label, d.entityKind AS entityKind
ORDER BY type, relation, id, kind, outgoing DESC
LIMIT $limit
