// The database's identity and the id of its last committed transaction (graphrec.lastCommittedTxId: a function the
// project's own local Neo4j registers, graph/src/main/java/graphrec/StoreVersion.java). Equal answers = nothing was
// written in between. On any other Neo4j the function is unknown and the statement fails: the caller then takes the
// projection fingerprint instead.
CALL db.info() YIELD id
RETURN id, graphrec.lastCommittedTxId() AS tx
