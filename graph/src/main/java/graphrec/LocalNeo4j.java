package graphrec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Runs a local Neo4j Community DBMS with a Bolt connector bound to the loopback interface.
 *
 * <p>Arguments: {@code <dataDir> <boltPort> [pageCacheMb] [--exit-on-stdin-eof]}. With the last flag the server also
 * stops when its standard input closes, i.e. when the parent process that launched it dies, even by SIGKILL. Prints {@code GRAPHREC_NEO4J_READY bolt://127.0.0.1:PORT}
 * on stdout once the default database answers a query, and shuts the DBMS down cleanly on SIGTERM/SIGINT (the JVM's
 * shutdown hook) so that a restart never needs recovery. Authentication is off: the server only listens on 127.0.0.1
 * and is meant for one developer's machine or CI; point NEO4J_URI at a real server for anything shared. Registers
 * graphrec's own functions {@code graphrec.lastCommittedTxId()} ({@link StoreVersion}) and {@code
 * graphrec.servingVersion()} (with its transaction listener, {@link ServingVersion}), its projection read
 * ({@link Projection}) and the write procedure the online loader's bench compares with Cypher ({@link Ingest}).
 */
public final class LocalNeo4j {
  private LocalNeo4j() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: LocalNeo4j <dataDir> <boltPort> [pageCacheMb]");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    long pageCacheMb = args.length > 2 ? Long.parseLong(args[2]) : 512L;
    boolean watchParent = args.length > 3 && "--exit-on-stdin-eof".equals(args[3]);
    Files.createDirectories(home);

    DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .setConfig(GraphDatabaseSettings.auth_enabled, false)
        .setConfig(GraphDatabaseSettings.pagecache_memory, pageCacheMb * 1024L * 1024L)
        .build();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("GRAPHREC_NEO4J_STOPPING");
      ServingVersion.saveCurrent();
      dbms.shutdown();
      stopped.countDown();
    }, "graphrec-neo4j-shutdown"));

    GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    GlobalProcedures procedures = ((GraphDatabaseAPI) db).getDependencyResolver().resolveDependency(GlobalProcedures.class);
    procedures.registerFunction(StoreVersion.class);
    procedures.registerFunction(Projection.class);
    procedures.registerProcedure(Projection.class);
    procedures.registerProcedure(Ingest.class);
    procedures.registerFunction(ServingVersion.Function.class);
    procedures.registerProcedure(ServingVersion.Switch.class);
    ServingVersion.start(home, dbms, GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    db.executeTransactionally("RETURN 1");
    if (watchParent) {
      Thread watcher = new Thread(() -> {
        try {
          while (System.in.read() != -1) {
            // the parent never writes; read() returns -1 once it is gone
          }
        } catch (java.io.IOException ignored) {
          // a broken pipe means the same
        }
        System.exit(0);
      }, "graphrec-parent-watch");
      watcher.setDaemon(true);
      watcher.start();
    }
    System.out.println("GRAPHREC_NEO4J_READY bolt://127.0.0.1:" + port);
    System.out.flush();
    stopped.await();
  }
}
