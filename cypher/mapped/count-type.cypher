// Mapped model: how many relationships one mapped type has and the sum of its mapped value (fingerprint, counts).
MATCH ()-[r:{{type}}]->()
RETURN count(r) AS n, sum(CASE WHEN $value IS NULL THEN 0.0 ELSE coalesce(toFloatOrNull(r[$value]), -1.0) END) AS valueSum
