"""The staff member's conversation: their agenda, blocks, no-shows, walk-ins and errands for customers."""
