// Edges around one node; direction is relative to it. {{label}} comes from a whitelist.
MATCH (n:{{label}} {id: $id})
CALL (n) {
  MATCH (n)-[r:INTERACTED|RELATED]->(m)
  WHERE $direction IN ["out", "both"]
  RETURN r, m, true AS outgoing
  UNION ALL
  MATCH (n)<-[r:INTERACTED|RELATED]-(m)
  WHERE $direction IN ["in", "both"]
  RETURN r, m, false AS outgoing
}
WITH n, r, m, outgoing, coalesce(r.relation, r.kind) AS relation
WHERE $relation IS NULL OR relation = $relation
RETURN type(r) AS type, relation, r.weight AS weight, outgoing,
       m.id AS id, labels(m) AS labels, coalesce(m.title, m.name, m.id) AS label, m.kind AS entityKind
ORDER BY type, relation, id, outgoing DESC
LIMIT $limit
