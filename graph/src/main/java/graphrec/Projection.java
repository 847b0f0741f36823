package graphrec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.neo4j.graphdb.Direction;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.RelationshipType;
import org.neo4j.graphdb.ResourceIterator;
import org.neo4j.graphdb.Transaction;
import org.neo4j.internal.kernel.api.CursorFactory;
import org.neo4j.internal.kernel.api.NodeCursor;
import org.neo4j.internal.kernel.api.PropertyCursor;
import org.neo4j.internal.kernel.api.Read;
import org.neo4j.internal.kernel.api.RelationshipTraversalCursor;
import org.neo4j.internal.kernel.api.TokenRead;
import org.neo4j.kernel.api.KernelTransaction;
import org.neo4j.kernel.impl.coreapi.InternalTransaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.UserFunction;
import org.neo4j.storageengine.api.PropertySelection;
import org.neo4j.storageengine.api.RelationshipSelection;
import org.neo4j.token.api.TokenConstants;

/**
 * graphrec's projection read on its own local Neo4j: what cypher/read/projection-nodes, projection-interaction-lists
 * and projection-knowledge return page by page, streamed by one procedure call as packed chunks (node ids as strings,
 * edges as node positions and codes), and a fingerprint of exactly what was read. The TypeScript side
 * (src/store/projection-procedure.ts) decodes the chunks and applies the same rules as the Cypher read (bounds, kinds
 * counted, null kinds skipped); against any other Neo4j these do not exist and graphrec reads through Cypher.
 *
 * <p>What is read (the same sets as the Cypher statements): for each label of {@code User}, {@code Item},
 * {@code Entity}, the nodes whose {@code id} is a string, in id order (Cypher's string order, code point by code
 * point); each user's outgoing {@code INTERACTED} relationships to {@code :Item} nodes; each item's and entity's
 * outgoing {@code RELATED} relationships to {@code :Item} or {@code :Entity} nodes with a string id and a string
 * {@code relation}.
 *
 * <p>The fingerprint hashes every value the projection reads or checks (node ids; an interaction's user, item, kind,
 * weight, rating and timestamp; a knowledge edge's ends and relation), each edge to 64 bits, and adds them up: it does
 * not depend on the order of the scan, so {@code graphrec.projectionFingerprint()} and the read's own end record agree
 * exactly when nothing changed in between.
 */
public final class Projection {
  static final Label USER = Label.label("User");
  static final Label ITEM = Label.label("Item");
  static final Label ENTITY = Label.label("Entity");
  static final RelationshipType INTERACTED = RelationshipType.withName("INTERACTED");
  static final RelationshipType RELATED = RelationshipType.withName("RELATED");
  /**
   * Flag values of a weight or rating: absent, a number (a float64 follows), another value (its text in
   * {@code texts}), a number a float32 holds exactly (a float32 follows). A rating equal to the weight is not sent.
   */
  static final int ABSENT = 0;
  static final int NUMBER = 1;
  static final int OTHER = 2;
  static final int FLOAT32 = 3;
  /** Flags bit: the rating is the weight's number (bits 2–3 unused). */
  static final int SAME_AS_WEIGHT = 16;
  /** Kind code of an interaction without a kind. */
  static final int NO_KIND = 0xffff;

  @Context public Transaction tx;

  /** One streamed record. */
  public static final class Chunk {
    /** {@code nodes:User|Item|Entity}, {@code interactions}, {@code knowledge} or {@code end}. */
    public String part;
    /**
     * Packed little-endian data ({@code interactions}, {@code knowledge}) in base64; null otherwise. Base64 text, not
     * Bolt bytes: the JavaScript driver decodes a byte array one byte at a time, a string at native speed.
     */
    public String data;
    /** Node ids ({@code nodes:*}), names added to the kind or relation table in this chunk, or the fingerprint ({@code end}). */
    public List<String> names;
    /** The text of each weight or rating that is not a number, in the order of the edges. */
    public List<String> texts;

    Chunk(String part, String data, List<String> names, List<String> texts) {
      this.part = part;
      this.data = data;
      this.names = names;
      this.texts = texts;
    }
  }

  @org.neo4j.procedure.Procedure(name = "graphrec.projection", mode = Mode.READ)
  @Description("graphrec's projection read in packed chunks, ending with its fingerprint (graphrec's local Neo4j).")
  public Stream<Chunk> projection(@Name(value = "chunkBytes", defaultValue = "262144") long chunkBytes) {
    Reader reader = new Reader(tx, (int) Math.max(1, Math.min(1 << 24, chunkBytes)));
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(reader, Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(reader.scan::close);
  }

  @UserFunction(name = "graphrec.projectionFingerprint")
  @Description("The fingerprint graphrec.projection() ends with, without reading the projection out (graphrec's local Neo4j).")
  public String projectionFingerprint() {
    Fingerprint print = new Fingerprint();
    // Items and entities first (a knowledge edge's tail is looked up by node id), users with their id hashes.
    Positions items = new Positions();
    Positions entities = new Positions();
    Positions users = new Positions();
    Label[] order = {ITEM, ENTITY, USER};
    Positions[] at = {items, entities, users};
    for (int k = 0; k < 3; k++) {
      try (ResourceIterator<Node> nodes = tx.findNodes(order[k])) {
        while (nodes.hasNext()) {
          Node node = nodes.next();
          Object id = node.getProperty("id", null);
          if (!(id instanceof String)) continue;
          print.node(order[k], (String) id);
          at[k].put(nodeId(node), 0, hash(id));
        }
      }
    }
    try (Scan scan = new Scan(tx)) {
      for (int u = 0; u < users.at.length; u++) {
        if (users.at[u] < 0 || !scan.open(u, scan.interacted)) continue;
        long userHash = users.hash(u);
        while (scan.rels.next()) {
          long item = itemHash(tx, items, scan.rels.targetNodeReference());
          if (item == NOT_ITEM) continue;
          scan.readInteraction();
          print.interaction(userHash, item, scan.kind, scan.weight, scan.rating, scan.ts);
        }
      }
      for (Positions heads : new Positions[] {items, entities}) {
        for (int h = 0; h < heads.at.length; h++) {
          if (heads.at[h] < 0 || !scan.open(h, scan.related)) continue;
          scan.keptKnowledge(heads.hash(h), items, entities, print, (position, relation) -> {});
        }
      }
    }
    return print.text();
  }

  /** What {@link #itemHash} answers for an end node that is not an item. */
  static final long NOT_ITEM = 0x7a3c1e5f9b2d4c61L;

  /** The hash of an interaction's end node's id (items with a string id from the table, others looked up), or NOT_ITEM. */
  static long itemHash(Transaction tx, Positions items, long nodeId) {
    if (items.get(nodeId) >= 0) return items.hash(nodeId);
    Node node = tx.getNodeById(nodeId);
    return node.hasLabel(ITEM) ? hash(node.getProperty("id", null)) : NOT_ITEM;
  }

  /**
   * Kernel cursors of one transaction over the two relationship scans of the projection: a user's outgoing
   * {@code INTERACTED} and a head's outgoing {@code RELATED} relationships, their properties read by token without a
   * relationship object or a property map per edge (through the core API's {@code getRelationships} and
   * {@code getProperties} the procedure alone took 10.1 s at 10M interactions, through these cursors 7.6 s;
   * docs/scaling.md). Values are the objects {@code getProperty} returns ({@code asObjectCopy}), so the fingerprint
   * is the same as through the core API.
   */
  static final class Scan implements AutoCloseable {
    final Read read;
    final NodeCursor node;
    final RelationshipTraversalCursor rels;
    final PropertyCursor props;
    /** Token ids of the two relationship types ({@code NO_TOKEN} when never created). */
    final int interactedType;
    final int relatedType;
    /** Null when the relationship type was never created (then no node has such relationships). */
    final RelationshipSelection interacted;
    final RelationshipSelection related;
    final int kindKey;
    final int weightKey;
    final int ratingKey;
    final int tsKey;
    final PropertySelection interactionKeys;
    final PropertySelection relationKey;
    /** The current interaction's values ({@link #readInteraction}); null when absent. */
    Object kind;
    Object weight;
    Object rating;
    Object ts;

    Scan(Transaction tx) {
      KernelTransaction ktx = ((InternalTransaction) tx).kernelTransaction();
      read = ktx.dataRead();
      CursorFactory cursors = ktx.cursors();
      node = cursors.allocateNodeCursor(ktx.cursorContext(), ktx.memoryTracker());
      rels = cursors.allocateRelationshipTraversalCursor(ktx.cursorContext(), ktx.memoryTracker());
      props = cursors.allocatePropertyCursor(ktx.cursorContext(), ktx.memoryTracker());
      TokenRead tokens = ktx.tokenRead();
      interactedType = tokens.relationshipType(INTERACTED.name());
      relatedType = tokens.relationshipType(RELATED.name());
      interacted = selection(interactedType);
      related = selection(relatedType);
      kindKey = tokens.propertyKey("kind");
      weightKey = tokens.propertyKey("weight");
      ratingKey = tokens.propertyKey("rating");
      tsKey = tokens.propertyKey("ts");
      interactionKeys = keys(kindKey, weightKey, ratingKey, tsKey);
      relationKey = keys(tokens.propertyKey("relation"));
    }

    static RelationshipSelection selection(int type) {
      return type == TokenConstants.NO_TOKEN ? null : RelationshipSelection.selection(type, Direction.OUTGOING);
    }

    /** The keys that exist as tokens (a key never written is on no relationship). */
    static PropertySelection keys(int... keys) {
      int[] known = Arrays.stream(keys).filter(k -> k != TokenConstants.NO_TOKEN).toArray();
      return known.length == 0 ? PropertySelection.NO_PROPERTIES : PropertySelection.selection(known);
    }

    /** Places {@link #rels} on node {@code nodeId}'s outgoing relationships of {@code type}; false when there are none. */
    boolean open(long nodeId, RelationshipSelection type) {
      if (type == null) return false;
      read.singleNode(nodeId, node);
      if (!node.next()) return false;
      node.relationships(rels, type);
      return true;
    }

    /** Relationships of a type in the database, from the count store (an upper bound of the edges the read sends). */
    long count(int type) {
      return type == TokenConstants.NO_TOKEN ? 0 : read.countsForRelationship(TokenConstants.ANY_LABEL, type, TokenConstants.ANY_LABEL);
    }

    /** Reads the current relationship's kind, weight, rating and ts. */
    void readInteraction() {
      kind = null;
      weight = null;
      rating = null;
      ts = null;
      rels.properties(props, interactionKeys);
      while (props.next()) {
        int key = props.propertyKey();
        Object value = props.propertyValue().asObjectCopy();
        if (key == kindKey) kind = value;
        else if (key == weightKey) weight = value;
        else if (key == ratingKey) rating = value;
        else if (key == tsKey) ts = value;
      }
    }

    /** A knowledge edge the projection keeps: its tail's position (in the item or the entity table) and relation. */
    interface KeptTail {
      void accept(int at, String relation);
    }

    /**
     * The knowledge edges the projection keeps among those {@link #open} placed {@link #rels} on: the tail is an item
     * or an entity with a string id (exactly the nodes of the two position tables; an item first) and the relation is
     * a string. Each is added to {@code print} and handed to {@code sink}. The read and the fingerprint both go
     * through here, so they keep the same edges.
     */
    void keptKnowledge(long headHash, Positions items, Positions entities, Fingerprint print, KeptTail sink) {
      while (rels.next()) {
        long tail = rels.targetNodeReference();
        int item = items.get(tail);
        int at = item >= 0 ? item : entities.get(tail);
        if (at < 0) continue;
        String relation = relation();
        if (relation == null) continue;
        print.knowledge(headHash, item >= 0, item >= 0 ? items.hash(tail) : entities.hash(tail), relation);
        sink.accept(at, relation);
      }
    }

    /** The current relationship's {@code relation} when it is a string, else null. */
    String relation() {
      rels.properties(props, relationKey);
      return props.next() && props.propertyValue().asObjectCopy() instanceof String s ? s : null;
    }

    @Override
    public void close() {
      props.close();
      rels.close();
      node.close();
    }
  }

  /** Order-independent sums of 64-bit hashes of what the projection reads. */
  static final class Fingerprint {
    final long[] nodes = new long[3];
    final long[] nodeSums = new long[3];
    long interactions;
    long interactionSum;
    long knowledge;
    long knowledgeSum;

    void node(Label label, String id) {
      int k = label == USER ? 0 : label == ITEM ? 1 : 2;
      nodes[k]++;
      nodeSums[k] += mix(hash(id) + k);
    }

    void interaction(long userHash, long itemHash, Object kind, Object weight, Object rating, Object ts) {
      long h = mix(userHash);
      h = mix(h ^ itemHash);
      h = mix(h ^ hash(kind));
      h = mix(h ^ hash(weight));
      h = mix(h ^ hash(rating));
      h = mix(h ^ hash(ts));
      interactions++;
      interactionSum += h;
    }

    void knowledge(long headHash, boolean tailIsItem, long tailHash, String relation) {
      long h = mix(headHash ^ (tailIsItem ? 1 : 2));
      h = mix(h ^ tailHash);
      h = mix(h ^ hash(relation));
      knowledge++;
      knowledgeSum += h;
    }

    String text() {
      StringBuilder out = new StringBuilder("g1");
      for (int k = 0; k < 3; k++) out.append(':').append(nodes[k]).append('.').append(Long.toHexString(nodeSums[k]));
      out.append(':').append(interactions).append('.').append(Long.toHexString(interactionSum));
      out.append(':').append(knowledge).append('.').append(Long.toHexString(knowledgeSum));
      return out.toString();
    }
  }

  /** splitmix64's finaliser. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** A hash of a property value that is the same in every JVM (type-tagged; arrays by content). */
  static long hash(Object value) {
    if (value == null) return 0x51ed270b27b3e5a1L;
    if (value instanceof String s) return mix(1L + s.hashCode()) ^ ((long) s.length() << 32);
    if (value instanceof Double || value instanceof Float) return mix(2L + Double.doubleToLongBits(((Number) value).doubleValue()));
    if (value instanceof Number n) return mix(3L + n.longValue());
    if (value instanceof Boolean b) return b ? 0x2545f4914f6cdd1dL : 0x1b873593cc9e2d51L;
    if (value.getClass().isArray()) return mix(4L + Arrays.deepHashCode(new Object[] {value}));
    return mix(5L + value.toString().hashCode());
  }

  /** Text of a value that is not a number (what the TypeScript side shows in an invalid edge's problem). */
  static String text(Object value) {
    if (value.getClass().isArray()) {
      String s = Arrays.deepToString(new Object[] {value});
      return s.substring(2, s.length() - 2).replace(", ", ",");
    }
    return String.valueOf(value);
  }

  /** Nodes of one label with a string id, in id order (code points): ids and node ids, parallel. */
  static final class Sorted {
    final String[] ids;
    final long[] nodeIds;

    Sorted(Transaction tx, Label label) {
      List<String> ids = new ArrayList<>();
      List<Long> nodeIds = new ArrayList<>();
      try (ResourceIterator<Node> nodes = tx.findNodes(label)) {
        while (nodes.hasNext()) {
          Node node = nodes.next();
          Object id = node.getProperty("id", null);
          if (!(id instanceof String)) continue;
          ids.add((String) id);
          nodeIds.add(nodeId(node));
        }
      }
      Integer[] order = new Integer[ids.size()];
      for (int i = 0; i < order.length; i++) order[i] = i;
      Arrays.sort(order, (a, b) -> compareCodePoints(ids.get(a), ids.get(b)));
      this.ids = new String[order.length];
      this.nodeIds = new long[order.length];
      for (int i = 0; i < order.length; i++) {
        this.ids[i] = ids.get(order[i]);
        this.nodeIds[i] = nodeIds.get(order[i]);
      }
    }
  }

  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) return Integer.compare(ca, cb);
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  @SuppressWarnings("deprecation")
  static long nodeId(Node node) {
    return node.getId();
  }

  /**
   * Position and id hash of each node of a label with a string id, by node id (position -1: not one of them). Arrays
   * indexed by node id: Neo4j 5's record format hands out dense ids from 0, so their size follows the node count; an
   * id past 2^31 − 8 is not supported (the arrays could not hold it).
   */
  static final class Positions {
    int[] at = new int[0];
    long[] hashes = new long[0];

    void put(long nodeId, int position, long hash) {
      if (nodeId >= at.length) {
        int size = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(nodeId + 1, at.length * 2L));
        int old = at.length;
        at = Arrays.copyOf(at, size);
        hashes = Arrays.copyOf(hashes, size);
        Arrays.fill(at, old, size, -1);
      }
      at[(int) nodeId] = position;
      hashes[(int) nodeId] = hash;
    }

    int get(long nodeId) {
      return nodeId < at.length ? at[(int) nodeId] : -1;
    }

    long hash(long nodeId) {
      return hashes[(int) nodeId];
    }
  }

  /** The read as an iterator of chunks: nodes of each label, then interactions, then knowledge, then the end. */
  static final class Reader implements Iterator<Chunk> {
    final Transaction tx;
    final Scan scan;
    final Fingerprint print = new Fingerprint();
    final Label[] labels = {USER, ITEM, ENTITY};
    final Sorted[] sorted = new Sorted[3];
    final Positions items = new Positions();
    final Positions entities = new Positions();
    final Map<String, Integer> kindCodes = new HashMap<>();
    final Map<String, Integer> relationCodes = new HashMap<>();
    /** Whether the first record, the relationship counts, was sent. */
    boolean sized = false;
    /** 0..2: nodes of labels[phase]; 3: interactions; 4: knowledge of items; 5: of entities; 6: end; 7: done. */
    int phase = 0;
    /** Next node (position within the phase's label). */
    int next = 0;
    int base = 0;
    Chunk pending;
    ByteBuffer buf;
    List<String> names = new ArrayList<>();
    List<String> texts = new ArrayList<>();

    /** Packed bytes per record (at least one user's or head's edges), and node ids per record. */
    final int chunkBytes;
    final int chunkIds;

    Reader(Transaction tx, int chunkBytes) {
      this.tx = tx;
      this.scan = new Scan(tx);
      this.chunkBytes = chunkBytes;
      this.chunkIds = Math.max(1, Math.min(8192, chunkBytes / 32));
      this.buf = ByteBuffer.allocate(chunkBytes + 4096).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean hasNext() {
      if (pending == null) pending = produce();
      return pending != null;
    }

    @Override
    public Chunk next() {
      if (!hasNext()) throw new NoSuchElementException();
      Chunk c = pending;
      pending = null;
      return c;
    }

    Chunk produce() {
      if (!sized) {
        sized = true;
        return new Chunk("sizes", null, List.of(String.valueOf(scan.count(scan.interactedType)), String.valueOf(scan.count(scan.relatedType))), List.of());
      }
      while (phase < 7) {
        if (phase < 3) {
          if (sorted[phase] == null) {
            sorted[phase] = new Sorted(tx, labels[phase]);
            Positions at = phase == 1 ? items : phase == 2 ? entities : null;
            for (int i = 0; i < sorted[phase].ids.length; i++) {
              print.node(labels[phase], sorted[phase].ids[i]);
              if (at != null) at.put(sorted[phase].nodeIds[i], base + i, hash(sorted[phase].ids[i]));
            }
            next = 0;
          }
          Sorted s = sorted[phase];
          if (next < s.ids.length) {
            int end = Math.min(s.ids.length, next + chunkIds);
            List<String> ids = Arrays.asList(Arrays.copyOfRange(s.ids, next, end));
            next = end;
            return new Chunk("nodes:" + labels[phase].name(), null, ids, List.of());
          }
          base += s.ids.length;
          phase++;
          next = 0;
          continue;
        }
        if (phase == 3) {
          Sorted users = sorted[0];
          while (next < users.ids.length && buf.position() < chunkBytes) interactions(next, users.ids[next], users.nodeIds[next++]);
          if (buf.position() > 0) return flush("interactions");
          phase++;
          next = 0;
          continue;
        }
        if (phase == 4 || phase == 5) {
          Sorted heads = sorted[phase - 3];
          int offset = phase == 4 ? sorted[0].ids.length : sorted[0].ids.length + sorted[1].ids.length;
          while (next < heads.ids.length && buf.position() < chunkBytes) knowledge(offset + next, heads.ids[next], heads.nodeIds[next++]);
          if (buf.position() > 0) return flush("knowledge");
          phase++;
          next = 0;
          continue;
        }
        phase = 7;
        scan.close();
        return new Chunk("end", null, List.of(print.text()), List.of());
      }
      return null;
    }

    Chunk flush(String part) {
      String data = Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), buf.position()));
      buf.clear();
      Chunk c = new Chunk(part, data, names, texts);
      names = new ArrayList<>();
      texts = new ArrayList<>();
      return c;
    }

    void ensure(int bytes) {
      if (buf.remaining() >= bytes) return;
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + bytes)).order(ByteOrder.LITTLE_ENDIAN);
      buf.flip();
      bigger.put(buf);
      buf = bigger;
    }

    int code(Map<String, Integer> table, String name) {
      Integer c = table.get(name);
      if (c == null) {
        c = table.size();
        table.put(name, c);
        names.add(name);
      }
      return c;
    }

    /** Interactions of one user: [user, count] then per edge [item (-1: not projected), kind (-1: none), flags, values]. */
    void interactions(int user, String userId, long nodeId) {
      if (!scan.open(nodeId, scan.interacted)) return;
      ensure(8);
      int header = buf.position();
      buf.putInt(user).putInt(0);
      int count = 0;
      long userHash = hash(userId);
      while (scan.rels.next()) {
        long end = scan.rels.targetNodeReference();
        int item = items.get(end);
        long itemHash = itemHash(tx, items, end);
        if (itemHash == NOT_ITEM) continue;
        scan.readInteraction();
        Object kind = scan.kind;
        Object weight = scan.weight;
        Object rating = scan.rating;
        print.interaction(userHash, itemHash, kind, weight, rating, scan.ts);
        // Not an item with a string id: one whose id is another value is counted but not projected (-1), one without
        // an id is not read at all (the Cypher read's rules).
        if (item < 0 && tx.getNodeById(end).getProperty("id", null) == null) continue;
        ensure(4 + 2 + 1 + 16);
        buf.putInt(item);
        buf.putShort((short) (kind == null ? NO_KIND : kindCode(kind instanceof String ? (String) kind : text(kind))));
        int weightFlag = flag(weight);
        boolean same = weight instanceof Number w && rating instanceof Number v
            && Double.doubleToRawLongBits(w.doubleValue()) == Double.doubleToRawLongBits(v.doubleValue());
        buf.put((byte) (weightFlag | (same ? SAME_AS_WEIGHT : flag(rating) << 2)));
        value(weightFlag, weight);
        if (!same) value(flag(rating), rating);
        count++;
      }
      if (count == 0) buf.position(header);
      else buf.putInt(header + 4, count);
    }

    /** Knowledge edges of one head, those {@link Scan#keptKnowledge} keeps: [head, count] then per edge [tail, relation]. */
    void knowledge(int head, String headId, long nodeId) {
      if (!scan.open(nodeId, scan.related)) return;
      ensure(8);
      int header = buf.position();
      buf.putInt(head).putInt(0);
      int[] count = {0};
      scan.keptKnowledge(hash(headId), items, entities, print, (at, relation) -> {
        ensure(8);
        buf.putInt(at).putInt(code(relationCodes, relation));
        count[0]++;
      });
      if (count[0] == 0) buf.position(header);
      else buf.putInt(header + 4, count[0]);
    }

    int kindCode(String kind) {
      int c = code(kindCodes, kind);
      if (c >= NO_KIND) throw new IllegalStateException("graphrec.projection: more than 65,535 interaction kinds");
      return c;
    }

    /** A value's flag: absent, a float64, a float32 (the same double once widened), another value. */
    static int flag(Object value) {
      if (value == null) return ABSENT;
      if (!(value instanceof Number n)) return OTHER;
      double d = n.doubleValue();
      return (double) (float) d == d || Double.isNaN(d) ? FLOAT32 : NUMBER;
    }

    void value(int flag, Object value) {
      if (flag == NUMBER) buf.putDouble(((Number) value).doubleValue());
      else if (flag == FLOAT32) buf.putFloat((float) ((Number) value).doubleValue());
      else if (flag == OTHER) texts.add(text(value));
    }
  }
}
