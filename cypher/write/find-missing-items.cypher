UNWIND $ids AS id
OPTIONAL MATCH (i:Item {id: id})
WITH id, i WHERE i IS NULL
RETURN id
