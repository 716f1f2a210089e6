"""What Yume says: per-role state machines, scripted Spanish replies and the conversation engine."""
