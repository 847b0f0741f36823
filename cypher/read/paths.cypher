// The shortest simple paths first (up to {{maxHops}} hops, edges in either direction); {{fromLabel}}/{{toLabel}} come
// from a whitelist. SHORTEST k GROUPS returns every path of the k shortest lengths; the caller orders and cuts them.
MATCH (a:{{fromLabel}} {id: $from}), (b:{{toLabel}} {id: $to})
MATCH p = SHORTEST 2 GROUPS (a)-[:INTERACTED|RELATED]-{1,{{maxHops}}}(b)
WITH p, nodes(p) AS ns
WHERE all(x IN range(0, size(ns) - 2) WHERE none(y IN range(x + 1, size(ns) - 1) WHERE ns[x] = ns[y]))
WITH p, ns, [x IN ns | x.id] AS key
ORDER BY length(p), key
LIMIT $scan
RETURN [x IN ns | {id: x.id, labels: labels(x), label: coalesce(x.title, x.name, x.id), entityKind: x.kind}] AS nodes,
       [r IN relationships(p) | {from: startNode(r).id, fromLabels: labels(startNode(r)), to: endNode(r).id, toLabels: labels(endNode(r)),
         type: type(r), relation: coalesce(r.relation, r.kind), weight: r.weight}] AS edges
