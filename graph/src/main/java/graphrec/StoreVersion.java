package graphrec;

import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.UserFunction;
import org.neo4j.storageengine.api.TransactionIdStore;

/**
 * {@code graphrec.lastCommittedTxId()}: the id of the last transaction committed to the database the query runs in.
 * Every write (a node, a relationship, a property, an index) commits a transaction and raises it, and it survives a
 * restart, so two equal ids (of the same store) mean nothing was written in between: graphrec's projection uses it to
 * skip the fingerprint scan of every interaction when a snapshot is current (src/project/load.ts). Registered by
 * {@link LocalNeo4j} on the project's own server only; against any other Neo4j the function does not exist and
 * graphrec always takes the fingerprint.
 */
public final class StoreVersion {
  @Context public GraphDatabaseService db;

  @UserFunction(name = "graphrec.lastCommittedTxId")
  @Description("The id of the last transaction committed to this database (graphrec's local Neo4j).")
  public Long lastCommittedTxId() {
    return ((GraphDatabaseAPI) db).getDependencyResolver().resolveDependency(TransactionIdStore.class).getLastCommittedTransactionId();
  }
}
