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
WITH r, m, outgoing, coalesce(r.relation, r.kind) AS relation,
     CASE WHEN m:User THEN "User" WHEN m:Item THEN "Item" ELSE "Entity" END AS kind
WHERE $relation IS NULL OR relation = $relation
RETURN type(r) AS type, relation, r.weight AS weight, outgoing, m.id AS id, kind,
       CASE WHEN m:User THEN m.id WHEN m:Item THEN m.title ELSE m.name END AS label, m.kind AS entityKind
ORDER BY type, relation, id, kind, outgoing DESC
LIMIT $limit
