"""Meta business tokens at rest: Fernet-encrypted with a key derived from YUME_SECRET_KEY.

The token lets anyone write as the business on WhatsApp, so the database only ever holds the
ciphertext; a leaked dump without the secret key is useless. Rotating YUME_SECRET_KEY means the
businesses reconnect (or a re-encryption with both keys).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class TokenKeyMissing(RuntimeError):
    """YUME_SECRET_KEY is not set, so business tokens cannot be stored or read."""


class TokenUnreadable(RuntimeError):
    """A stored token does not decrypt with this YUME_SECRET_KEY (changed key, or damaged data)."""


def _fernet(secret_key: str | None) -> Fernet:
    if not secret_key:
        raise TokenKeyMissing("YUME_SECRET_KEY is required to store or use a business's WhatsApp token")
    digest = hashlib.sha256(b"yume-meta-token:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_token(token: str, secret_key: str | None) -> str:
    """The ciphertext to store in `Organization.access_token_encrypted`."""
    return _fernet(secret_key).encrypt(token.encode()).decode("ascii")


def decrypt_token(ciphertext: str, secret_key: str | None) -> str:
    """The business token back from its stored ciphertext."""
    try:
        return _fernet(secret_key).decrypt(ciphertext.encode("ascii")).decode()
    except (InvalidToken, ValueError) as error:
        raise TokenUnreadable("the stored WhatsApp token does not decrypt with this YUME_SECRET_KEY") from error
