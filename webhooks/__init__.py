"""Events for other systems: webhook endpoints per organisation, deliveries derived from the
audit trail after commit (the outbox), signed as Standard Webhooks, retried and logged."""
