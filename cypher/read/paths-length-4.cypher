// Every simple path of exactly 4 hop(s) between two nodes, edges in either direction ({{fromLabel}}/{{toLabel}} from a
// whitelist). At most $scan paths are read; the store orders them (shortest first, then by node ids) in code.
MATCH (a:{{fromLabel}} {id: $from}), (b:{{toLabel}} {id: $to})
MATCH p = (a)-[:INTERACTED|RELATED]-(x1)-[:INTERACTED|RELATED]-(x2)-[:INTERACTED|RELATED]-(x3)-[:INTERACTED|RELATED]-(b)
WITH p, nodes(p) AS ns
WHERE all(i IN range(0, size(ns) - 2) WHERE none(j IN range(i + 1, size(ns) - 1) WHERE ns[i] = ns[j]))
WITH p, ns LIMIT $scan
RETURN [x IN ns | {id: x.id, kind: CASE WHEN x:User THEN "User" WHEN x:Item THEN "Item" ELSE "Entity" END,
                   label: CASE WHEN x:User THEN x.id WHEN x:Item THEN x.title ELSE x.name END, entityKind: x.kind}] AS nodes,
       [r IN relationships(p) | {fromId: startNode(r).id, fromKind: CASE WHEN startNode(r):User THEN "User" WHEN startNode(r):Item THEN "Item" ELSE "Entity" END,
                                 toId: endNode(r).id, toKind: CASE WHEN endNode(r):User THEN "User" WHEN endNode(r):Item THEN "Item" ELSE "Entity" END,
                                 type: type(r), relation: coalesce(r.relation, r.kind), weight: r.weight}] AS edges
