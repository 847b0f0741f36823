// The database's own lists of labels, relationship types and property keys: every name of a graph mapping must be
// in them before it reaches a statement (store/mapping).
CALL () { CALL db.labels() YIELD label RETURN collect(label) AS labels }
CALL () { CALL db.relationshipTypes() YIELD relationshipType RETURN collect(relationshipType) AS types }
CALL () { CALL db.propertyKeys() YIELD propertyKey RETURN collect(propertyKey) AS props }
RETURN labels, types, props
