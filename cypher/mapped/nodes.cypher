// Mapped model (store/mapping): the nodes of one mapped label. {{label}} and {{idProp}} are quoted names of the
// validated mapping that the database has; $display is the display property, $withProps asks for the properties.
MATCH (n:{{label}})
WHERE n.{{idProp}} IS NOT NULL
RETURN toString(n.{{idProp}}) AS id, toString(coalesce(n[$display], n.{{idProp}})) AS label,
       CASE WHEN $withProps THEN properties(n) ELSE null END AS props
