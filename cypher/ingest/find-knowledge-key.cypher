// Does any of these RELATED keys exist? (unique index seeks; stops at the first hit)
UNWIND $keys AS key
MATCH ()-[r:RELATED {key: key}]->()
RETURN key
LIMIT 1
