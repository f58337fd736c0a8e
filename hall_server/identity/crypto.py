"""Personal data at rest: SM4-GCM encryption and an HMAC-SM3 lookup hash (via `cryptography`/OpenSSL).

Ciphertext blob: version (1 byte, 0x01) | IV (12) | ciphertext | tag (16). The associated data binds a
ciphertext to its column ("visitor.id_number"), so a value copied into another column does not decrypt.
Keys come from YIMEN_DATA_KEY / YIMEN_LOOKUP_KEY, or from the key file, created once with mode 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOB_VERSION = b"\x01"


class CryptoError(RuntimeError):
    pass


@dataclass(frozen=True)
class Keys:
    data_key: bytes  # 16 bytes, SM4
    lookup_key: bytes  # 32 bytes, HMAC-SM3

    @property
    def kid(self) -> str:
        """A key id that names the data key without revealing it."""
        return hashlib.sha256(b"yimen-kid" + self.data_key).hexdigest()[:16]


def load_keys(
    data_key_hex: str | None, lookup_key_hex: str | None, key_file: Path, *, create: bool = False
) -> Keys:
    """Keys from the environment or the key file. Only `yimen db upgrade` creates the file: a server that
    silently made new keys would leave every stored identity undecryptable."""
    if data_key_hex and lookup_key_hex:
        return _keys_from_hex(data_key_hex, lookup_key_hex, "environment")
    if key_file.exists():
        try:
            stored = json.loads(key_file.read_text(encoding="utf-8"))
            return _keys_from_hex(stored["data_key"], stored["lookup_key"], str(key_file))
        except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
            raise CryptoError(f"{key_file} is not a key file (data_key, lookup_key): {exc!r}") from exc
    if not create:
        raise CryptoError(
            f"no keys: {key_file} does not exist and YIMEN_DATA_KEY/YIMEN_LOOKUP_KEY are not set; "
            "run `yimen db upgrade` once to create them"
        )
    keys = Keys(os.urandom(16), os.urandom(32))
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"data_key": keys.data_key.hex(), "lookup_key": keys.lookup_key.hex()}, handle)
    return keys


def _keys_from_hex(data_hex: str, lookup_hex: str, where: str) -> Keys:
    try:
        keys = Keys(bytes.fromhex(data_hex), bytes.fromhex(lookup_hex))
    except ValueError as exc:
        raise CryptoError(f"keys in {where} are not hex") from exc
    if len(keys.data_key) != 16 or len(keys.lookup_key) < 16:
        raise CryptoError(f"keys in {where}: data key must be 16 bytes, lookup key at least 16")
    return keys


def encrypt(keys: Keys, plaintext: str, aad: str) -> bytes:
    return encrypt_bytes(keys, plaintext.encode(), aad)


def decrypt(keys: Keys, blob: bytes, aad: str) -> str:
    return decrypt_bytes(keys, blob, aad).decode()


def encrypt_bytes(keys: Keys, plaintext: bytes, aad: str) -> bytes:
    """The same blob for binary content (a scanned material)."""
    iv = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(keys.data_key), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(aad.encode())
    body = encryptor.update(plaintext) + encryptor.finalize()
    return BLOB_VERSION + iv + body + encryptor.tag


def decrypt_bytes(keys: Keys, blob: bytes, aad: str) -> bytes:
    if blob[:1] != BLOB_VERSION or len(blob) < 1 + 12 + 16:
        raise CryptoError("unknown ciphertext format")
    iv, body, tag = blob[1:13], blob[13:-16], blob[-16:]
    decryptor = Cipher(algorithms.SM4(keys.data_key), modes.GCM(iv, tag)).decryptor()
    decryptor.authenticate_additional_data(aad.encode())
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise CryptoError("ciphertext does not match the key or its column") from exc


def lookup_hash(keys: Keys, value: str) -> str:
    mac = hmac.HMAC(keys.lookup_key, hashes.SM3())
    mac.update(value.encode())
    return "hm3:" + mac.finalize().hex()


def self_test() -> None:
    """Fail at start-up if the linked OpenSSL lacks SM3/SM4 (GB/T 32905 and GB/T 32907 vectors)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")
    if digest.finalize().hex() != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0":
        raise CryptoError("SM3 self-test failed")
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - one block, the GB/T vector
    if (encryptor.update(key) + encryptor.finalize()).hex() != "681edf34d206965e86b3e94f536e4246":
        raise CryptoError("SM4 self-test failed")
