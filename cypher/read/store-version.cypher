// The database's identity, the id of its last committed transaction (graphrec.lastCommittedTxId) and the version of
// what graphrec reads (graphrec.servingVersion: every change but graphrec's own vector properties) — functions the
// project's own local Neo4j registers (graph/src/main/java/graphrec/StoreVersion.java, ServingVersion.java). Equal
// answers = nothing of it was written in between. On any other Neo4j the functions are unknown and the statement
// fails: the caller then takes the projection fingerprint instead.
CALL db.info() YIELD id
RETURN id, graphrec.lastCommittedTxId() AS tx, graphrec.servingVersion() AS serving
