"""What people mean: intents and slots from Spanish WhatsApp messages (Claude or offline rules)."""
