// Interaction kinds as ingested, with how many edges have each and how many of those carry an explicit rating.
MATCH (:User)-[r:INTERACTED]->(:Item)
RETURN coalesce(r.kind, 'interaction') AS kind, count(*) AS edges, count(r.rating) AS rated
ORDER BY edges DESC
