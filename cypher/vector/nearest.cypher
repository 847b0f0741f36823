// Nearest {{label}} nodes to a vector through the vector index (cosine); the caller filters out what it excludes.
CALL db.index.vector.queryNodes($index, $k, $vector) YIELD node, score
RETURN node.id AS id, score
