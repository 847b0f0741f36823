package graphrec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Transaction;
import org.neo4j.graphdb.event.PropertyEntry;
import org.neo4j.graphdb.event.TransactionData;
import org.neo4j.graphdb.event.TransactionEventListener;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;
import org.neo4j.procedure.UserFunction;
import org.neo4j.storageengine.api.StoreId;
import org.neo4j.storageengine.api.StoreIdProvider;
import org.neo4j.storageengine.api.TransactionIdStore;

/**
 * {@code graphrec.servingVersion()}: a version of what graphrec reads from the database — every node, label and
 * relationship, every relationship property, and every node property except graphrec's own vectors ({@code embedding},
 * {@code embeddingVersion}, which src/engine/embeddings.ts publishes after training and which the projection, the
 * names and the item properties never read). Two equal answers mean that no transaction changing any of that became
 * visible in between, so a projection snapshot or names file recorded at the first still holds at the second
 * (src/project/load.ts). Unlike {@link StoreVersion}'s last committed transaction id, publishing the vectors does not
 * move it: a boot after training reuses the snapshot and the names file instead of scanning every interaction for a
 * fingerprint and reading every name again (at 50M interactions 48.5 s and 18.0 s in one boot, docs/scaling.md).
 *
 * <p>How it stays exact. A transaction event listener sees each transaction's changes before it commits. One that
 * changes what graphrec reads is <em>in flight</em> from {@code beforeCommit} until {@code afterCommit} or
 * {@code afterRollback}, and its end raises a counter. While any is in flight the function answers a value that
 * never repeats, so no two reads that straddle a commit compare equal; otherwise it answers
 * {@code <epoch>:<counter>}. A commit is visible only after {@code beforeCommit}, so equal answers at two moments mean
 * none became visible between them.
 *
 * <p>Across restarts. A shutdown writes the epoch and counter, with the store's identity and its last committed
 * transaction id, to {@code graphrec-serving-version.properties} in the server's home folder ({@link #saveCurrent}).
 * The next start takes them back only when the store is the same and its last committed transaction is still that one
 * (nothing committed since, by this server or another program); the file is deleted as it is read, so a crash later
 * cannot make it look current again.
 * Otherwise a new random epoch starts, which matches no recorded version: the next boot takes the fingerprint, as it
 * did before this existed.
 *
 * <p>A bench switch. {@code CALL graphrec.servingVersionListener(false)} unregisters the listener (what a server
 * without it costs per write: {@code npm run bench -- online-cost}); while it is off the function answers null, so
 * graphrec takes the fingerprint, and turning it on again starts a new epoch, which matches nothing recorded before.
 */
public final class ServingVersion implements TransactionEventListener<ServingVersion.Epoch> {
  /** Node properties graphrec writes and never reads back from the graph (src/core/model VECTOR_PROPERTY_KEYS). */
  static final Set<String> VECTOR_KEYS = Set.of("embedding", "embeddingVersion");
  static final String FILE = "graphrec-serving-version.properties";

  private static volatile ServingVersion current;

  /** One run of the counter: its id, the relevant transactions ended in it and those in flight (guarded by the ServingVersion). */
  static final class Epoch {
    String id;
    long counter;
    int inFlight;

    Epoch(String id, long counter) {
      this.id = id;
      this.counter = counter;
    }
  }

  private final DatabaseManagementService dbms;
  private final String database;
  private final Path file;
  private final TransactionIdStore txIds;
  private final String storeIdentity;
  /** Guarded by this (as are the fields below): the epoch counted now, a random one until {@link #start} takes back a kept one. */
  private Epoch epoch = new Epoch(UUID.randomUUID().toString(), 0);
  private boolean ready;
  private boolean listening;
  private long pending;

  private ServingVersion(DatabaseManagementService dbms, String database, Path file, TransactionIdStore txIds, String storeIdentity) {
    this.dbms = dbms;
    this.database = database;
    this.file = file;
    this.txIds = txIds;
    this.storeIdentity = storeIdentity;
  }

  /**
   * Starts the version of {@code database} (the one database of the local server). The listener is registered before
   * the store's last transaction id is read, so a commit between the two makes the kept file not match (a new epoch)
   * instead of going unseen; transactions that end while the file is read are counted on top of it. The function
   * answers only once this returns.
   */
  static ServingVersion start(Path home, DatabaseManagementService dbms, String database) {
    GraphDatabaseService db = dbms.database(database);
    var resolver = ((GraphDatabaseAPI) db).getDependencyResolver();
    TransactionIdStore txIds = resolver.resolveDependency(TransactionIdStore.class);
    StoreId id = resolver.resolveDependency(StoreIdProvider.class).getStoreId();
    ServingVersion version = new ServingVersion(dbms, database, home.resolve(FILE), txIds, id.getCreationTime() + "-" + id.getRandom());
    dbms.registerTransactionEventListener(database, version);
    version.listening = true;
    long last = txIds.getLastCommittedTransactionId();
    Properties saved = new Properties();
    boolean read = false;
    try {
      if (Files.exists(version.file)) {
        try (var in = Files.newInputStream(version.file)) {
          saved.load(in);
        }
        read = true;
        Files.delete(version.file);
      }
    } catch (IOException | IllegalArgumentException e) {
      read = false;
    }
    synchronized (version) {
      if (read && version.storeIdentity.equals(saved.getProperty("store")) && String.valueOf(last).equals(saved.getProperty("lastCommittedTxId"))) {
        try {
          long kept = Long.parseLong(saved.getProperty("counter", ""));
          String keptEpoch = saved.getProperty("epoch", "");
          if (!keptEpoch.isEmpty() && kept >= 0) {
            // The running epoch takes the kept one's id and count on top of what ended while the file was read; the
            // transactions in flight hold this same epoch, so they end on it.
            version.epoch.id = keptEpoch;
            version.epoch.counter += kept;
          }
        } catch (NumberFormatException e) {
          // a new epoch
        }
      }
      version.ready = true;
    }
    current = version;
    return version;
  }

  /** Whether {@code data} changes anything graphrec reads (all but the vector properties of nodes). */
  static boolean changesWhatGraphrecReads(TransactionData data) {
    if (data.createdNodes().iterator().hasNext() || data.deletedNodes().iterator().hasNext()) return true;
    if (data.createdRelationships().iterator().hasNext() || data.deletedRelationships().iterator().hasNext()) return true;
    if (data.assignedLabels().iterator().hasNext() || data.removedLabels().iterator().hasNext()) return true;
    if (data.assignedRelationshipProperties().iterator().hasNext() || data.removedRelationshipProperties().iterator().hasNext()) return true;
    for (PropertyEntry<Node> entry : data.assignedNodeProperties()) if (!VECTOR_KEYS.contains(entry.key())) return true;
    for (PropertyEntry<Node> entry : data.removedNodeProperties()) if (!VECTOR_KEYS.contains(entry.key())) return true;
    return false;
  }

  @Override
  public Epoch beforeCommit(TransactionData data, Transaction transaction, GraphDatabaseService db) {
    if (!changesWhatGraphrecReads(data)) return null;
    synchronized (this) {
      Epoch e = epoch;
      e.inFlight++;
      return e;
    }
  }

  @Override
  public void afterCommit(TransactionData data, Epoch began, GraphDatabaseService db) {
    end(began);
  }

  @Override
  public void afterRollback(TransactionData data, Epoch began, GraphDatabaseService db) {
    end(began);
  }

  private synchronized void end(Epoch began) {
    if (began == null) return;
    began.inFlight--;
    began.counter++;
  }

  /** {@code <epoch>:<counter>}; a value that never repeats while a relevant transaction is in flight; null while off. */
  synchronized String value() {
    if (!ready || !listening) return null;
    if (epoch.inFlight > 0) return "pending:" + epoch.id + ":" + epoch.counter + ":" + (++pending);
    return epoch.id + ":" + epoch.counter;
  }

  /** Registers or unregisters the listener (the bench switch); on again = a new epoch. Returns whether it listens now. */
  synchronized boolean listen(boolean on) {
    if (on == listening) return listening;
    if (on) {
      epoch = new Epoch(UUID.randomUUID().toString(), 0);
      dbms.registerTransactionEventListener(database, this);
    } else {
      dbms.unregisterTransactionEventListener(database, this);
    }
    listening = on;
    return listening;
  }

  /**
   * Keeps the epoch and counter for the next start (the JVM's shutdown hook, before the DBMS stops), with the store's
   * last committed transaction id as it is now. Written before the shutdown, so a shutdown that is cut short (the
   * parent's SIGKILL after its timeout: after the 50M vector publish, closing the vector indexes took more than a
   * minute) still leaves it, and it still holds: every committed transaction is recovered at the next start, and any
   * commit after this moment raises the id, so the file no longer matches and a new epoch begins. Nothing is kept while
   * the listener is off or a relevant transaction is in flight.
   */
  static void saveCurrent() {
    ServingVersion v = current;
    if (v != null) v.save();
  }

  private synchronized void save() {
    if (!ready || !listening || epoch.inFlight > 0) return;
    try {
      long lastCommitted = txIds.getLastCommittedTransactionId();
      Properties out = new Properties();
      out.setProperty("store", storeIdentity);
      out.setProperty("lastCommittedTxId", String.valueOf(lastCommitted));
      out.setProperty("epoch", epoch.id);
      out.setProperty("counter", String.valueOf(epoch.counter));
      Path tmp = file.resolveSibling(FILE + ".tmp");
      try (var stream = Files.newOutputStream(tmp)) {
        out.store(stream, "graphrec.servingVersion() at the last clean shutdown (graph/src/main/java/graphrec/ServingVersion.java)");
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      System.err.println("graphrec: serving version not kept (" + e + "); the next start takes the fingerprint");
    }
  }

  /** The function: this server's serving version, or null before the server has one and while the listener is off. */
  public static final class Function {
    @UserFunction(name = "graphrec.servingVersion")
    @Description("A version of what graphrec reads (all but its vector properties): equal answers = none of it changed.")
    public String servingVersion() {
      ServingVersion v = current;
      return v == null ? null : v.value();
    }
  }

  /** The bench switch's answer. */
  public static final class Listening {
    public boolean listening;

    Listening(boolean listening) {
      this.listening = listening;
    }
  }

  /** The bench switch: {@code CALL graphrec.servingVersionListener(false)} … {@code (true)}. */
  public static final class Switch {
    @Procedure(name = "graphrec.servingVersionListener")
    @Description("Registers (true) or unregisters (false) the serving version's transaction listener; on again = a new epoch. For npm run bench -- online-cost.")
    public Stream<Listening> servingVersionListener(@Name("on") boolean on) {
      ServingVersion v = current;
      if (v == null) return Stream.of(new Listening(false));
      return Stream.of(new Listening(v.listen(on)));
    }
  }
}
