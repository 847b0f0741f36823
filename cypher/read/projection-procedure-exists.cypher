// Whether this server has graphrec's projection procedure (only the project's own local Neo4j registers it:
// graph/src/main/java/graphrec/Projection.java); without it the projection reads through Cypher pages.
SHOW PROCEDURES YIELD name
WHERE name = 'graphrec.projection'
RETURN count(*) AS n
