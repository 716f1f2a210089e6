"""The customer's conversation: booking, moving and cancelling their appointments, and questions."""
