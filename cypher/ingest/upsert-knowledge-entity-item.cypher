UNWIND $rows AS row
MATCH (h:Entity {id: row.headId})
MATCH (t:Item {id: row.tailId})
MERGE (h)-[r:RELATED {relation: row.relation}]->(t)
