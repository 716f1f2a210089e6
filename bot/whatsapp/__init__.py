"""The WhatsApp channel: Meta's webhook in, the Cloud API out, and the durable queues between.

Only `bot/` knows Meta and aiohttp; everything here turns Meta's shapes into the engine's
channel-neutral contracts (`flows.core.events`, `flows.core.messages`) and back.
"""
