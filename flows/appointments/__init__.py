"""Appointments by chat: booking, moving and cancelling, and choosing when — shared by customers and staff."""
