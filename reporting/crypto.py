"""Cryptography for the reporting service: sealing, encryption, key derivation, receipts.

Knows nothing about Flask, requests, the database or the environment; every key is passed in.
Primitives come from ``cryptography`` alone:

- HPKE (RFC 9180) with the hybrid ML-KEM-768 + X25519 KEM, HKDF-SHA256 and AES-256-GCM, for
  anything sealed to a public key. Reports are kept for years: a ciphertext harvested today must
  stay closed to a future quantum computer, and the hybrid stays as strong as X25519 if ML-KEM
  ever falls.
- AES-256-GCM with random 96-bit nonces for bulk data.
- Argon2id for passwords and receipts; HKDF-SHA256 to split one secret into independent subkeys.

Every envelope starts with a type byte, a format version and a key id, and that header is
authenticated, so algorithms and keys can rotate and a rewritten header fails to open. Every
ciphertext is bound to a caller-chosen context (row and purpose, e.g. ``b"report:42:body:v1"``),
so a ciphertext copied to another row or purpose fails to open.

Longer than 300 lines because it reads as one, top to bottom, each part using only those
above it: 1. primitives (key derivation, MACs, hybrid key pairs), 2. envelopes, 3. the keys
people hold (receipts, recovery codes).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidKey, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "FAST_TEST_KDF",
    "FORMAT_VERSION",
    "PASSWORD_KDF",
    "RECEIPT_KDF",
    "Argon2Params",
    "CryptoError",
    "DecryptionError",
    "InvalidReceipt",
    "InvalidRecoveryCode",
    "KeyPair",
    "PRIVATE_KEY_BYTES",
    "PUBLIC_KEY_BYTES",
    "ReceiptSecrets",
    "decrypt",
    "derive_key_from_password",
    "derive_receipt_secrets",
    "encrypt",
    "envelope_key_id",
    "format_receipt",
    "generate_keypair",
    "generate_receipt",
    "generate_recovery_code",
    "hash_password",
    "hkdf_split",
    "key_id_for",
    "keypair_from_seed",
    "mac_fields",
    "new_data_key",
    "normalise_receipt",
    "open_sealed",
    "recovery_keypair",
    "seal",
    "verify_mac_fields",
    "verify_password",
]

FORMAT_VERSION = 1


class CryptoError(Exception):
    """A cryptographic operation was misused or failed."""


class DecryptionError(CryptoError):
    """An envelope did not open: tampered, truncated, wrong key, wrong context or bad format."""


class InvalidReceipt(CryptoError, ValueError):
    """The text is not a well-formed 16-digit receipt."""


class InvalidRecoveryCode(CryptoError, ValueError):
    """The text is not a well-formed recovery code."""


# --- 1. Primitives: key derivation (Argon2id, HKDF) and MACs --------------------------------------


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost: memory in KiB, passes over memory, and parallel lanes."""

    memory_cost_kib: int
    iterations: int
    lanes: int

    def __post_init__(self) -> None:
        for name in ("memory_cost_kib", "iterations", "lanes"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise CryptoError(f"Argon2 {name} must be a positive integer.")
        if self.memory_cost_kib < 8 * self.lanes:
            raise CryptoError("Argon2 memory_cost_kib must be at least 8 * lanes.")


# Passwords guard officers' private keys, and a stolen database lets an attacker guess offline:
# 64 MiB per guess makes GPU/ASIC guessing expensive (timings: benchmarks/README.md).
PASSWORD_KDF = Argon2Params(memory_cost_kib=65536, iterations=3, lanes=4)

# Receipts are 53 random bits and salted with a server pepper, so offline guessing needs the pepper
# first and then up to 2^53 runs; this cost only has to slow online guessing without letting a
# flood of submissions turn a memory-hard KDF into a denial of service (timings:
# benchmarks/README.md).
RECEIPT_KDF = Argon2Params(memory_cost_kib=4096, iterations=4, lanes=1)

# The smallest cost Argon2 allows. Tests only: reach it through the test config, never by default.
FAST_TEST_KDF = Argon2Params(memory_cost_kib=8, iterations=1, lanes=1)

_ARGON2_SALT_BYTES = 16
_MIN_PEPPER_BYTES = 32


def _argon2id(salt: bytes, params: Argon2Params, length: int = 32) -> Argon2id:
    if not isinstance(params, Argon2Params):
        raise CryptoError("params must be an Argon2Params.")
    return Argon2id(
        salt=salt,
        length=length,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_cost_kib,
    )


def _password_bytes(password: str) -> bytes:
    # NFKC: the same password typed on another keyboard or browser (composed vs decomposed
    # accents, full-width forms) must still unlock the user's private key (NIST SP 800-63B).
    # surrogatepass: a stray surrogate from a form must not raise halfway through sign-in.
    if not isinstance(password, str):
        raise CryptoError("password must be a str.")
    return unicodedata.normalize("NFKC", password).encode("utf-8", "surrogatepass")


def hash_password(password: str, params: Argon2Params) -> str:
    """Return an Argon2id PHC string for ``password`` with a fresh random salt."""
    salt = secrets.token_bytes(_ARGON2_SALT_BYTES)
    return _argon2id(salt, params).derive_phc_encoded(_password_bytes(password))


def verify_password(password: str, phc: str) -> bool:
    """Return whether ``password`` matches ``phc``; False for any malformed hash."""
    try:
        # Constant-time comparison inside. The cost is read from the stored string, so hashes
        # made before PASSWORD_KDF changed still verify.
        Argon2id.verify_phc_encoded(_password_bytes(password), phc)
    except (InvalidKey, CryptoError, ValueError, TypeError, OverflowError, MemoryError):
        return False
    return True


def derive_key_from_password(password: str, salt: bytes, params: Argon2Params) -> bytes:
    """Derive a 32-byte key from ``password`` and a per-user ``salt`` (at least 16 bytes)."""
    # A short salt lets one precomputed table cover many users.
    if not isinstance(salt, bytes) or len(salt) < _ARGON2_SALT_BYTES:
        raise CryptoError(f"salt must be at least {_ARGON2_SALT_BYTES} bytes.")
    return _argon2id(salt, params).derive(_password_bytes(password))


def hkdf_split(secret: bytes, *labels: bytes, length: int = 32) -> tuple[bytes, ...]:
    """Derive one independent subkey per label (HKDF-SHA256, the label as ``info``)."""
    # Distinct labels keep subkeys independent: learning the lookup id reveals nothing
    # about the unlock key derived from the same secret.
    if not isinstance(secret, bytes) or not secret:
        raise CryptoError("secret must be non-empty bytes.")
    if not labels:
        raise CryptoError("hkdf_split needs at least one label.")
    if any(not isinstance(label, bytes) or not label for label in labels):
        raise CryptoError("labels must be non-empty bytes.")
    if len(set(labels)) != len(labels):
        raise CryptoError("labels must be distinct, or two subkeys would be equal.")
    if not 1 <= length <= 255 * 32:
        raise CryptoError("length must be between 1 and 8160 bytes.")
    return tuple(
        HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label).derive(secret)
        for label in labels
    )


def _encode_fields(fields: tuple[bytes, ...]) -> bytes:
    # Each field length-prefixed: ("ab", "c") and ("a", "bc") must not authenticate alike.
    if not fields or any(not isinstance(f, bytes) for f in fields):
        raise CryptoError("fields must be one or more byte strings.")
    return b"".join(len(f).to_bytes(4, "big") + f for f in fields)


def mac_fields(key: bytes, *fields: bytes) -> bytes:
    """HMAC-SHA256 under ``key`` (32+ bytes) of ``fields``, each length-prefixed."""
    if not isinstance(key, bytes) or len(key) < 32:
        raise CryptoError("a MAC key is at least 32 bytes.")
    return hmac.new(key, _encode_fields(fields), hashlib.sha256).digest()


def verify_mac_fields(key: bytes, tag: bytes | None, *fields: bytes) -> bool:
    """Whether ``tag`` is ``mac_fields(key, *fields)``, compared in constant time."""
    if not isinstance(tag, bytes):
        return False
    return hmac.compare_digest(tag, mac_fields(key, *fields))


# --- 1. Primitives: hybrid key pairs --------------------------------------------------------------

_MLKEM_SEED_BYTES = 64
_MLKEM_PUBLIC_BYTES = 1184
_X25519_BYTES = 32
PRIVATE_KEY_BYTES = _MLKEM_SEED_BYTES + _X25519_BYTES  # 96
PUBLIC_KEY_BYTES = _MLKEM_PUBLIC_BYTES + _X25519_BYTES  # 1216
_MIN_SEED_BYTES = 32
_KEYPAIR_SEED_INFO = b"reporting/keypair-from-seed/v1"


@dataclass(frozen=True)
class KeyPair:
    """A hybrid ML-KEM-768 + X25519 key pair as raw bytes, with its key id."""

    # Kept out of repr so a key pair in a log line or traceback does not print its secret half.
    private_key: bytes = field(repr=False)
    public_key: bytes
    key_id: str


def key_id_for(public_key: bytes) -> str:
    """Return the key id of ``public_key``: 16 lowercase hex characters of its SHA-256."""
    _check_public_key(public_key)
    return hashlib.sha256(public_key).hexdigest()[:16]


def _keypair(mlkem_key: mlkem.MLKEM768PrivateKey, x25519_key: x25519.X25519PrivateKey) -> KeyPair:
    public_key = (
        mlkem_key.public_key().public_bytes_raw() + x25519_key.public_key().public_bytes_raw()
    )
    return KeyPair(
        # The ML-KEM part is its 64-byte seed: private_bytes_raw() gives the seed.
        private_key=mlkem_key.private_bytes_raw() + x25519_key.private_bytes_raw(),
        public_key=public_key,
        key_id=key_id_for(public_key),
    )


def generate_keypair() -> KeyPair:
    """Generate a random hybrid key pair."""
    # Used as generated: rebuilding each key from its private bytes doubled the cost (ML-KEM
    # key generation is most of it), and a report's send makes one of these.
    return _keypair(mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate())


def keypair_from_seed(seed: bytes) -> KeyPair:
    """Derive a hybrid key pair deterministically from a secret ``seed`` of 32 bytes or more."""
    if not isinstance(seed, bytes) or len(seed) < _MIN_SEED_BYTES:
        raise CryptoError(f"seed must be at least {_MIN_SEED_BYTES} bytes.")
    # Full HKDF (extract, then expand) so a seed with structure still yields uniform key material.
    material = HKDF(
        algorithm=hashes.SHA256(),
        length=PRIVATE_KEY_BYTES,
        salt=None,
        info=_KEYPAIR_SEED_INFO,
    ).derive(seed)
    return _keypair(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(material[:_MLKEM_SEED_BYTES]),
        x25519.X25519PrivateKey.from_private_bytes(material[_MLKEM_SEED_BYTES:]),
    )


def _check_public_key(public_key: bytes) -> None:
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_BYTES:
        raise CryptoError(f"A public key is {PUBLIC_KEY_BYTES} bytes.")


def _load_public_key(public_key: bytes) -> hpke.MLKEM768X25519PublicKey:
    _check_public_key(public_key)
    try:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(public_key[:_MLKEM_PUBLIC_BYTES]),
            x25519.X25519PublicKey.from_public_bytes(public_key[_MLKEM_PUBLIC_BYTES:]),
        )
    except ValueError as exc:
        raise CryptoError("Malformed public key.") from exc


def _load_private_key(private_key: bytes) -> hpke.MLKEM768X25519PrivateKey:
    if not isinstance(private_key, bytes) or len(private_key) != PRIVATE_KEY_BYTES:
        raise CryptoError(f"A private key is {PRIVATE_KEY_BYTES} bytes.")
    try:
        return hpke.MLKEM768X25519PrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(private_key[:_MLKEM_SEED_BYTES]),
            x25519.X25519PrivateKey.from_private_bytes(private_key[_MLKEM_SEED_BYTES:]),
        )
    except ValueError as exc:
        raise CryptoError("Malformed private key.") from exc


# --- 2. Envelopes: sealed to a public key, or encrypted under a key -------------------------------
#
# Header: type byte (b"S" sealed, b"E" encrypted), format version, 8-byte key id. The header is
# fixed-length and goes first in the HPKE info / GCM associated data, so header + context splits
# one way only, and rewriting the version, type or key id breaks authentication.

_SEALED = b"S"
_ENCRYPTED = b"E"
_KEY_ID_BYTES = 8
_HEADER_BYTES = 2 + _KEY_ID_BYTES
_NO_KEY_ID = bytes(_KEY_ID_BYTES)
_NONCE_BYTES = 12
_TAG_BYTES = 16
_AES_KEY_BYTES = 32
_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_SEALED_MIN_BODY = hpke.KEM.MLKEM768_X25519.enc_length() + _TAG_BYTES
_KEY_ID_PATTERN = re.compile(r"[0-9a-f]{16}")


def _header(kind: bytes, key_id: bytes) -> bytes:
    return kind + bytes([FORMAT_VERSION]) + key_id


def _check_context(context: bytes, error: type[CryptoError]) -> None:
    # An empty context would let a ciphertext be moved to any row or purpose and still open.
    if not isinstance(context, bytes) or not context:
        raise error("context must be non-empty bytes naming the row and purpose.")


def _split_envelope(envelope: bytes, kind: bytes) -> tuple[bytes, bytes]:
    """Return (header, body) of an envelope of the expected kind and version."""
    if not isinstance(envelope, bytes) or len(envelope) < _HEADER_BYTES:
        raise DecryptionError("Envelope is empty or truncated.")
    if envelope[:1] != kind:
        raise DecryptionError("Wrong envelope type.")
    if envelope[1] != FORMAT_VERSION:
        raise DecryptionError("Unsupported envelope version.")
    return envelope[:_HEADER_BYTES], envelope[_HEADER_BYTES:]


def envelope_key_id(envelope: bytes) -> str:
    """Return the key id recorded in a seal() or encrypt() envelope ("" if none was given).

    This reads the header without authenticating it: use it to pick a key, then open.
    """
    if not isinstance(envelope, bytes) or envelope[:1] not in (_SEALED, _ENCRYPTED):
        raise DecryptionError("Not an envelope.")
    header, _ = _split_envelope(envelope, envelope[:1])
    key_id = header[2:]
    if key_id == _NO_KEY_ID:
        return ""
    return key_id.hex()


def seal(public_key: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    """Seal ``plaintext`` to ``public_key`` with HPKE, bound to ``context``."""
    _check_context(context, CryptoError)
    recipient = _load_public_key(public_key)
    header = _header(_SEALED, bytes.fromhex(key_id_for(public_key)))
    try:
        return header + _SUITE.encrypt(plaintext, recipient, info=header + context)
    except ValueError as exc:  # e.g. an X25519 public key of low order
        raise CryptoError("Cannot seal to this public key.") from exc


def open_sealed(private_key: bytes, envelope: bytes, *, context: bytes) -> bytes:
    """Open a seal() envelope with ``private_key``; DecryptionError unless it is intact and ours."""
    _check_context(context, DecryptionError)
    header, body = _split_envelope(envelope, _SEALED)
    if len(body) < _SEALED_MIN_BODY:
        raise DecryptionError("Envelope is truncated.")
    try:
        recipient = _load_private_key(private_key)
    except CryptoError as exc:
        raise DecryptionError(str(exc)) from exc
    try:
        return _SUITE.decrypt(body, recipient, info=header + context)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("Envelope did not open.") from exc


def new_data_key() -> bytes:
    """Return a fresh random 256-bit data key."""
    return secrets.token_bytes(_AES_KEY_BYTES)


def encrypt(key: bytes, plaintext: bytes, *, context: bytes, key_id: str = "") -> bytes:
    """Encrypt ``plaintext`` under a 32-byte ``key`` with AES-256-GCM, bound to ``context``."""
    if not isinstance(key, bytes) or len(key) != _AES_KEY_BYTES:
        raise CryptoError(f"An AES-256 key is {_AES_KEY_BYTES} bytes.")
    _check_context(context, CryptoError)
    if key_id == "":
        key_id_bytes = _NO_KEY_ID
    elif isinstance(key_id, str) and _KEY_ID_PATTERN.fullmatch(key_id) and key_id != "0" * 16:
        key_id_bytes = bytes.fromhex(key_id)
    else:
        raise CryptoError("key_id must be '' or 16 lowercase hex characters.")
    header = _header(_ENCRYPTED, key_id_bytes)
    # Random 96-bit nonces: safe for far more messages than one data key ever encrypts.
    nonce = os.urandom(_NONCE_BYTES)
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext, header + context)


def decrypt(key: bytes, envelope: bytes, *, context: bytes) -> bytes:
    """Decrypt an encrypt() envelope; DecryptionError unless it is intact, ours and in place."""
    if not isinstance(key, bytes) or len(key) != _AES_KEY_BYTES:
        raise DecryptionError(f"An AES-256 key is {_AES_KEY_BYTES} bytes.")
    _check_context(context, DecryptionError)
    header, body = _split_envelope(envelope, _ENCRYPTED)
    if len(body) < _NONCE_BYTES + _TAG_BYTES:
        raise DecryptionError("Envelope is truncated.")
    nonce, ciphertext = body[:_NONCE_BYTES], body[_NONCE_BYTES:]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, header + context)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("Envelope did not open.") from exc


# --- 3. Keys people hold: receipts ----------------------------------------------------------------
#
# Error messages never echo the input: a receipt is a secret and exceptions end up in logs.

_RECEIPT_DIGITS = 16
_MAX_CODE_INPUT = 128  # longer input is not a person typing; refuse before normalising it
_SEPARATORS = frozenset(" -.\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fb")
_RECEIPT_LOOKUP_LABEL = b"reporting/receipt/lookup-id/v1"
_RECEIPT_UNLOCK_LABEL = b"reporting/receipt/unlock-key/v1"


@dataclass(frozen=True)
class ReceiptSecrets:
    """What a receipt unlocks: a lookup id (stored, indexed) and the key to the reporter's key."""

    lookup_id: bytes
    unlock_key: bytes = field(repr=False)


def generate_receipt() -> str:
    """Return a new receipt: 16 random decimal digits (53 bits), unformatted."""
    return "".join(secrets.choice("0123456789") for _ in range(_RECEIPT_DIGITS))


def format_receipt(receipt: str) -> str:
    """Return ``receipt`` in four groups of four digits, e.g. "1234 5678 9012 3456"."""
    digits = normalise_receipt(receipt)
    return " ".join(digits[i : i + 4] for i in range(0, _RECEIPT_DIGITS, 4))


def normalise_receipt(text: str) -> str:
    """Return the 16 ASCII digits of a receipt as typed; InvalidReceipt if it is not one."""
    if not isinstance(text, str) or len(text) > _MAX_CODE_INPUT:
        raise InvalidReceipt("A receipt is 16 digits.")
    digits = []
    for char in unicodedata.normalize("NFKC", text):
        if char.isspace() or char in _SEPARATORS:
            continue
        # NFKC turns full-width digits into ASCII; decimal() also maps other scripts' digits
        # (Arabic-Indic, Devanagari, ...) so a receipt read aloud and typed back still works.
        value = unicodedata.decimal(char, None)
        if value is None:
            raise InvalidReceipt("A receipt is 16 digits.")
        digits.append(str(value))
    if len(digits) != _RECEIPT_DIGITS:
        raise InvalidReceipt("A receipt is 16 digits.")
    return "".join(digits)


def derive_receipt_secrets(receipt: str, pepper: bytes, params: Argon2Params) -> ReceiptSecrets:
    """Derive the lookup id and unlock key for ``receipt`` (Argon2id salted with the pepper)."""
    digits = normalise_receipt(receipt)
    # The pepper lives outside the database: a stolen database alone cannot test any receipt.
    if not isinstance(pepper, bytes) or len(pepper) < _MIN_PEPPER_BYTES:
        raise CryptoError(f"pepper must be at least {_MIN_PEPPER_BYTES} bytes.")
    secret = _argon2id(pepper, params).derive(digits.encode("ascii"))
    lookup_id, unlock_key = hkdf_split(secret, _RECEIPT_LOOKUP_LABEL, _RECEIPT_UNLOCK_LABEL)
    return ReceiptSecrets(lookup_id=lookup_id, unlock_key=unlock_key)


# --- 3. Keys people hold: recovery codes ----------------------------------------------------------
#
# 27 random Crockford base32 symbols (135 bits) and one check symbol, in seven groups of four:
# "7K3M-9QXD-...". At 135 bits exhaustive search is out of reach, so the code needs no slow KDF.
# The check symbol turns 31 in 32 typos into "malformed" instead of a silently different key.

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_RECOVERY_DATA_SYMBOLS = 27
_RECOVERY_SYMBOLS = _RECOVERY_DATA_SYMBOLS + 1
_RECOVERY_GROUP = 4
_RECOVERY_CHECK_LABEL = b"reporting/recovery-code/check/v1"
_RECOVERY_SEED_LABEL = b"reporting/recovery-code/keypair-seed/v1"


def _recovery_check_symbol(data: str) -> str:
    digest = hashlib.sha256(_RECOVERY_CHECK_LABEL + data.encode("ascii")).digest()
    return _CROCKFORD[digest[0] & 31]


def generate_recovery_code() -> str:
    """Return a new recovery code: 135 random bits as Crockford base32, grouped with hyphens."""
    data = "".join(secrets.choice(_CROCKFORD) for _ in range(_RECOVERY_DATA_SYMBOLS))
    code = data + _recovery_check_symbol(data)
    return "-".join(
        code[i : i + _RECOVERY_GROUP] for i in range(0, _RECOVERY_SYMBOLS, _RECOVERY_GROUP)
    )


def _normalise_recovery_code(code: str) -> str:
    if not isinstance(code, str) or len(code) > _MAX_CODE_INPUT:
        raise InvalidRecoveryCode("Not a recovery code.")
    symbols = [
        char
        for char in unicodedata.normalize("NFKC", code).upper().translate(_CROCKFORD_CONFUSABLES)
        if not (char.isspace() or char in _SEPARATORS)
    ]
    canonical = "".join(symbols)
    if len(canonical) != _RECOVERY_SYMBOLS or any(char not in _CROCKFORD for char in canonical):
        raise InvalidRecoveryCode("Not a recovery code.")
    data, check = canonical[:-1], canonical[-1]
    if not secrets.compare_digest(_recovery_check_symbol(data), check):
        raise InvalidRecoveryCode("Recovery code has a typo.")
    return canonical


def recovery_keypair(code: str) -> KeyPair:
    """Return the key pair a recovery code stands for; InvalidRecoveryCode if malformed."""
    canonical = _normalise_recovery_code(code)
    (seed,) = hkdf_split(canonical.encode("ascii"), _RECOVERY_SEED_LABEL)
    return keypair_from_seed(seed)
