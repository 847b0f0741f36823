MERGE (c:IngestCheckpoint {key: $key})
SET c.rows = $rows, c.done = $done, c.file = $file, c.updatedAt = timestamp()
