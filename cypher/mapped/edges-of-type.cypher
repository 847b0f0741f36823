// Mapped model (store/mapping): every relationship of one mapped type ({{type}}) between two mapped nodes, in the
// stored direction, with graphrec's kind and id of both ends ($nodes: label → descriptor) and the mapped values
// ($weight, $rating, $ts: property names or null; store/mapped-values turns a date/time into Unix seconds).
MATCH (a)-[r:{{type}}]->(b)
WITH a, r, b, head([l IN labels(a) WHERE l IN $nodeLabels]) AS la, head([l IN labels(b) WHERE l IN $nodeLabels]) AS lb
WHERE la IS NOT NULL AND lb IS NOT NULL AND a[$nodes[la].id] IS NOT NULL AND b[$nodes[lb].id] IS NOT NULL
RETURN $nodes[la].kind AS fromKind, $nodes[la].prefix + toString(a[$nodes[la].id]) AS fromId,
       $nodes[lb].kind AS toKind, $nodes[lb].prefix + toString(b[$nodes[lb].id]) AS toId,
       toString(coalesce(b[$nodes[lb].label], b[$nodes[lb].id])) AS toLabel,
       CASE WHEN $weight IS NULL THEN null ELSE r[$weight] END AS weight,
       CASE WHEN $rating IS NULL THEN null ELSE r[$rating] END AS rating,
       CASE WHEN $ts IS NULL THEN null ELSE r[$ts] END AS ts,
       elementId(r) AS eid
