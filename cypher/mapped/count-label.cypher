// Mapped model: how many nodes one mapped label has (fingerprint, counts).
MATCH (n:{{label}}) RETURN count(n) AS n
