// Mapped model: every simple path of exactly {{hops}} hop(s) over the mapped relationship types ({{types}}) between
// two mapped nodes, edges in either direction, through mapped nodes only. At most $scan paths are read; the store
// orders them in code. Edges come in the stored direction with `reversed` (graphrec's direction is the other one).
MATCH (a:{{fromLabel}} {{{fromId}}: $from}), (b:{{toLabel}} {{{toId}}: $to})
MATCH p = (a)-[:{{types}}*{{hops}}..{{hops}}]-(b)
WITH p, nodes(p) AS ns
WHERE all(x IN ns WHERE any(l IN labels(x) WHERE l IN $nodeLabels))
  AND all(i IN range(0, size(ns) - 2) WHERE none(j IN range(i + 1, size(ns) - 1) WHERE ns[i] = ns[j]))
WITH p, ns LIMIT $scan
WITH p, [x IN ns | [x, $nodes[head([l IN labels(x) WHERE l IN $nodeLabels])]]] AS ds,
     [r IN relationships(p) | [startNode(r), $nodes[head([l IN labels(startNode(r)) WHERE l IN $nodeLabels])],
                               endNode(r), $nodes[head([l IN labels(endNode(r)) WHERE l IN $nodeLabels])], $rels[type(r)], r]] AS es
RETURN [d IN ds | {id: d[1].prefix + toString(d[0][d[1].id]), kind: d[1].kind, label: toString(coalesce(d[0][d[1].label], d[0][d[1].id])), entityKind: d[1].entityKind}] AS nodes,
       [e IN es | {fromId: e[1].prefix + toString(e[0][e[1].id]), fromKind: e[1].kind, toId: e[3].prefix + toString(e[2][e[3].id]), toKind: e[3].kind,
                   type: e[4].type, relation: e[4].relation, reversed: e[4].reversed,
                   weight: CASE WHEN e[4].weight IS NULL THEN null ELSE e[5][e[4].weight] END}] AS edges
