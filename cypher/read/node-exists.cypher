MATCH (n:{{label}} {id: $id}) RETURN count(n) AS n
