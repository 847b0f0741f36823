// The one index a mapped label needs: a range index on its id property (IF NOT EXISTS; never drops or changes
// anything else). The name is given as a parameter-free quoted name built from the label and property.
CREATE RANGE INDEX {{indexName}} IF NOT EXISTS FOR (n:{{label}}) ON (n.{{idProp}})
