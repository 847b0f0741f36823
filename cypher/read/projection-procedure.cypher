// The whole projection in packed chunks, then its fingerprint (graph/src/main/java/graphrec/Projection.java; decoded
// by src/store/projection-procedure.ts). $chunkBytes: packed bytes per record.
CALL graphrec.projection($chunkBytes) YIELD part, data, names, texts
RETURN part, data, names, texts
