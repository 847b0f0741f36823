// Relationships keyed by the old scheme (a JSON string instead of the 64-bit integer): a string range seek on each
// unique key index, so it costs two index probes whatever the graph size.
CALL () { OPTIONAL MATCH ()-[r:INTERACTED]->() WHERE r.key >= '' RETURN r IS NOT NULL AS interactions LIMIT 1 }
CALL () { OPTIONAL MATCH ()-[r:RELATED]->() WHERE r.key >= '' RETURN r IS NOT NULL AS knowledge LIMIT 1 }
RETURN interactions OR knowledge AS legacy
