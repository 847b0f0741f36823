// Does any of these INTERACTED keys exist? (unique index seeks; stops at the first hit)
UNWIND $keys AS key
MATCH ()-[r:INTERACTED {key: key}]->()
RETURN key
LIMIT 1
