UNWIND $rows AS row
MERGE (i:Item {id: row.id})
SET i += row.props, i.title = row.title
