"""WhatsApp through Twilio: the same Messages API as SMS, with WhatsApp's own rules."""
