"""Check-ins by phone call through Twilio Voice: calls out (``calls.create``) and in, TwiML for
each turn (``bot.channels.voice.twiml``), keypad answers handed to the inbox."""
