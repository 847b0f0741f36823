CREATE INDEX item_title IF NOT EXISTS FOR (i:Item) ON (i.title)
