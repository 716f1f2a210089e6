"""What every conversation shares: the chat model, steps, drafts, options and the repair moves."""
