// Cheap change detector for projection snapshots: counts plus sums over the edge attributes the projection keeps.
CALL () { MATCH (u:User) RETURN count(u) AS users }
CALL () { MATCH (i:Item) RETURN count(i) AS items }
CALL () { MATCH (e:Entity) RETURN count(e) AS entities }
CALL () {
  MATCH (:User)-[r:INTERACTED]->(:Item)
  RETURN count(r) AS interactions, sum(coalesce(r.weight, 1.0)) AS weightSum, sum(coalesce(r.ts, 0)) AS tsSum
}
CALL () { MATCH ()-[r:RELATED]->() RETURN count(r) AS knowledge, sum(size(r.relation)) AS relationChars }
RETURN users, items, entities, interactions, weightSum, tsSum, knowledge, relationChars
