UNWIND $ids AS id
MATCH (e:InteractionEvent {id: id})
RETURN e.id AS id
