"""What Yume knows about time: availability, booking operations and background jobs."""
