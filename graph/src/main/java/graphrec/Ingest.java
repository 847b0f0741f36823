package graphrec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.RelationshipType;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;

/**
 * What cypher/ingest/create-interactions does, row for row, without Cypher: a measuring instrument for
 * {@code npm run bench -- online-cost} (its floor), which compares it with the Cypher statement to show how much of an
 * online load's cost is Cypher's. The loader does not call it: on 2026-12-06 it wrote 0.99–1.11× the rate of the
 * statement (docs/scaling.md, "A write procedure in the floor"), and a remote Neo4j would not have it.
 *
 * <p>Each row's user and item are looked up by id (the unique constraints' indexes). A row whose user or item does not
 * exist is not written and comes back; the others become one {@code INTERACTED} relationship each, with the properties
 * the statement sets (a null value is not set, as Cypher's CREATE does). Neo4j checks the relationship key constraint
 * at commit, as for the statement.
 */
public final class Ingest {
  static final Label USER = Label.label("User");
  static final Label ITEM = Label.label("Item");
  static final RelationshipType INTERACTED = RelationshipType.withName("INTERACTED");

  @Context public Transaction tx;

  /** A row that was not written. */
  public static final class Missing {
    public long n;
    public boolean missingUser;
    public boolean missingItem;

    Missing(long n, boolean missingUser, boolean missingItem) {
      this.n = n;
      this.missingUser = missingUser;
      this.missingItem = missingItem;
    }
  }

  @Procedure(name = "graphrec.createInteractions", mode = Mode.WRITE)
  @Description("The online loader's CREATE of new INTERACTED edges, row by row as cypher/ingest/create-interactions (graphrec's local Neo4j).")
  public Stream<Missing> createInteractions(
      @Name("keys") List<Object> keys,
      @Name("userIds") List<Object> userIds,
      @Name("itemIds") List<Object> itemIds,
      @Name("kinds") List<Object> kinds,
      @Name("ratings") List<Object> ratings,
      @Name("weights") List<Object> weights,
      @Name("ts") List<Object> ts) {
    int size = keys.size();
    if (userIds.size() != size || itemIds.size() != size || kinds.size() != size || ratings.size() != size || weights.size() != size || ts.size() != size) {
      throw new IllegalArgumentException("graphrec.createInteractions: the lists differ in length");
    }
    Map<Object, Node> users = new HashMap<>();
    Map<Object, Node> items = new HashMap<>();
    java.util.ArrayList<Missing> missing = new java.util.ArrayList<>();
    for (int n = 0; n < size; n++) {
      Node user = find(users, USER, userIds.get(n));
      Node item = find(items, ITEM, itemIds.get(n));
      if (user == null || item == null) {
        missing.add(new Missing(n, user == null, item == null));
        continue;
      }
      Relationship rel = user.createRelationshipTo(item, INTERACTED);
      set(rel, "key", keys.get(n));
      set(rel, "kind", kinds.get(n));
      set(rel, "rating", ratings.get(n));
      set(rel, "weight", weights.get(n));
      set(rel, "ts", ts.get(n));
    }
    return missing.stream();
  }

  private Node find(Map<Object, Node> cache, Label label, Object id) {
    if (id == null) return null;
    Node node = cache.get(id);
    if (node == null && !cache.containsKey(id)) {
      node = tx.findNode(label, "id", id);
      cache.put(id, node);
    }
    return node;
  }

  private static void set(Relationship rel, String key, Object value) {
    if (value != null) rel.setProperty(key, value);
  }
}
