// Interaction events recorded through the API, keyed by the caller's event id (idempotency).
CREATE CONSTRAINT event_id IF NOT EXISTS FOR (e:InteractionEvent) REQUIRE e.id IS UNIQUE
