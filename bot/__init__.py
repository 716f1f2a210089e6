"""The edges of Yume: the aiohttp app (webhook, admin API, dev pages), the WhatsApp client and the CLI."""
