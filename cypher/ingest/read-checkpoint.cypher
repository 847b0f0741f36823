MATCH (c:IngestCheckpoint {key: $key})
RETURN c.rows AS rows, c.done AS done
