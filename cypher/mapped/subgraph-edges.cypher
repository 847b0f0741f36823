// Mapped model: the mapped relationships among nodes given by element id, in the stored direction.
MATCH (a)-[r:{{types}}]->(b)
WHERE elementId(a) IN $eids AND elementId(b) IN $eids
WITH a, b, r, $rels[type(r)] AS rd
RETURN elementId(a) AS from, elementId(b) AS to, rd.type AS type, rd.relation AS relation, rd.reversed AS reversed,
       CASE WHEN rd.weight IS NULL THEN null ELSE r[rd.weight] END AS weight
