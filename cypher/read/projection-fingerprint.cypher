// Cheap change detector for projection snapshots: counts plus sums over the edge attributes the projection keeps or
// checks (weights and ratings; a value that is not a number, e.g. a string written by hand, counts as -1 / 0; a
// relation that is not a string, which the projection skips, counts 0 characters).
CALL () { MATCH (u:User) RETURN count(u) AS users }
CALL () { MATCH (i:Item) RETURN count(i) AS items }
CALL () { MATCH (e:Entity) RETURN count(e) AS entities }
CALL () {
  MATCH (:User)-[r:INTERACTED]->(:Item)
  RETURN count(r) AS interactions, sum(CASE WHEN r.weight IS NULL THEN 1.0 ELSE coalesce(toFloatOrNull(r.weight), -1.0) END) AS weightSum,
    sum(coalesce(toFloatOrNull(r.rating), 0.0)) AS ratingSum, sum(coalesce(toIntegerOrNull(r.ts), 0)) AS tsSum
}
CALL () {
  MATCH ()-[r:RELATED]->()
  RETURN count(r) AS knowledge, sum(CASE WHEN toStringOrNull(r.relation) = r.relation THEN size(r.relation) ELSE 0 END) AS relationChars
}
RETURN users, items, entities, interactions, weightSum, ratingSum, tsSum, knowledge, relationChars
