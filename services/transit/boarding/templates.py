"""Face templates at rest: 128 float32 values sealed with AES-256-GCM, bound to their rider by the AAD."""

import base64
import os
import uuid

import numpy as np
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


def template_cipher(key_b64: str) -> AESGCM:
    key = base64.urlsafe_b64decode(key_b64)
    if len(key) != 32:
        raise ValueError("the template key must be 32 bytes (urlsafe base64)")
    return AESGCM(key)


def seal(cipher: AESGCM, encoding: np.ndarray, rider_id: uuid.UUID) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    plain = np.asarray(encoding, dtype="<f4").tobytes()
    return nonce + cipher.encrypt(nonce, plain, rider_id.bytes)


def open_sealed(cipher: AESGCM, sealed: bytes, rider_id: uuid.UUID) -> np.ndarray:
    """Raises cryptography's InvalidTag when the key is wrong or the row was moved to another rider."""
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    return np.frombuffer(cipher.decrypt(nonce, body, rider_id.bytes), dtype="<f4").astype(np.float32)
