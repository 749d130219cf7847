"""Getting messages in and out: the inbox spool, the outbox sender, rate limits."""
