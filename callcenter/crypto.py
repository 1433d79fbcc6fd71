"""Personal data at rest: Fernet encryption with key rotation, and keyed digests for look-ups."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class Keyring:
    """The keys the process encrypts, decrypts and digests with."""

    def __init__(self) -> None:
        self._fernet: MultiFernet | None = None
        self._lookup_key: bytes | None = None

    def configure(self, encryption_keys: str | None, lookup_key: str | None, secret: str) -> None:
        """Load keys from configuration; derive them from the secret key when unset."""
        if encryption_keys:
            keys = [Fernet(k.strip().encode()) for k in encryption_keys.split(",") if k.strip()]
        else:
            keys = [Fernet(_derive(secret, b"encryption"))]
        self._fernet = MultiFernet(keys)
        self._lookup_key = (lookup_key or "").encode() or _derive(secret, b"lookup")

    @property
    def fernet(self) -> MultiFernet:
        if self._fernet is None:
            raise RuntimeError("Keyring used before the app configured it")
        return self._fernet

    @property
    def lookup_key(self) -> bytes:
        """The key of look-up digests (phone numbers, search terms)."""
        if self._lookup_key is None:
            raise RuntimeError("Keyring used before the app configured it")
        return self._lookup_key

    def encrypt(self, plaintext: str) -> str:
        """Encrypt text with the newest key."""
        return self.fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt text written with any configured key."""
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError(
                "Stored personal data cannot be decrypted with the configured keys"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt a token with the newest key."""
        return self.fernet.rotate(token.encode()).decode()

    def digest(self, value: str) -> str:
        """Return a keyed digest that finds equal values without storing them."""
        if self._lookup_key is None:
            raise RuntimeError("Keyring used before the app configured it")
        return hmac.new(self._lookup_key, value.encode(), hashlib.sha256).hexdigest()


def _derive(secret: str, purpose: bytes) -> bytes:
    """Derive a stable Fernet key from the app's secret key."""
    raw = hashlib.pbkdf2_hmac("sha256", secret.encode(), b"callcenter-" + purpose, 100_000)
    return base64.urlsafe_b64encode(raw)


def generate_key() -> str:
    """Return a new Fernet key for DATA_ENCRYPTION_KEYS."""
    return Fernet.generate_key().decode()


keyring = Keyring()
