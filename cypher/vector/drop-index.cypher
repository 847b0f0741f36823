DROP INDEX embedding_{{label}} IF EXISTS
