// Keyword search over item titles and entity names (cold start, explorer search).
CREATE FULLTEXT INDEX node_names IF NOT EXISTS FOR (n:Item|Entity) ON EACH [n.title, n.name]
