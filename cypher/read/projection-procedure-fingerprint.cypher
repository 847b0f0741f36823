// The fingerprint graphrec.projection() ends with, without the read (graph/src/main/java/graphrec/Projection.java).
RETURN graphrec.projectionFingerprint() AS fingerprint
