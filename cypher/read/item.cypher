MATCH (i:Item {id: $id})
CALL (i) { OPTIONAL MATCH (i)<-[r:INTERACTED]-(:User) RETURN count(r) AS interactionCount }
CALL (i) {
  OPTIONAL MATCH (i)-[k:RELATED]->(t)
  WHERE t:Entity OR t:Item
  RETURN collect({relation: k.relation, id: t.id, kind: CASE WHEN t:Item THEN "item" ELSE t.kind END, name: coalesce(t.name, t.title)}) AS knowledge
}
RETURN i.id AS id, i.title AS title, properties(i) AS props, interactionCount, knowledge
