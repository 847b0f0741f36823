// Ingest progress, written in the same transaction as each batch, so a killed load resumes exactly.
CREATE CONSTRAINT checkpoint_key IF NOT EXISTS FOR (c:IngestCheckpoint) REQUIRE c.key IS UNIQUE
