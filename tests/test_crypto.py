"""Tests for reporting.crypto: known answers, round trips, and failing closed under attack."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from reporting import crypto

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "crypto_vectors.json").read_text(encoding="utf-8")
)
FAST = crypto.FAST_TEST_KDF
PEPPER = bytes.fromhex("7e" * 32)
CONTEXT = b"report:42:body:v1"


def _params(values: list[int]) -> crypto.Argon2Params:
    return crypto.Argon2Params(*values)


def _in_script(zero: int, text: str) -> str:
    """Write the ASCII digits of ``text`` with the digits whose zero is code point ``zero``."""
    return "".join(chr(zero + int(char)) if char.isdigit() else char for char in text)


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.fixture(scope="module")
def keypair() -> crypto.KeyPair:
    return crypto.generate_keypair()


@pytest.fixture(scope="module")
def data_key() -> bytes:
    return crypto.new_data_key()


# --- Known-answer vectors -------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS["keypair_from_seed"])
def test_keypair_from_seed_matches_vector(vector: dict[str, str]) -> None:
    pair = crypto.keypair_from_seed(bytes.fromhex(vector["seed"]))
    assert pair.private_key.hex() == vector["private_key"]
    assert hashlib.sha256(pair.public_key).hexdigest() == vector["public_key_sha256"]
    assert pair.public_key[:32].hex() == vector["public_key_prefix"]
    assert pair.public_key[-32:].hex() == vector["public_key_suffix"]
    assert pair.key_id == vector["key_id"] == crypto.key_id_for(pair.public_key)


@pytest.mark.parametrize("vector", VECTORS["encrypt"])
def test_decrypt_opens_fixed_envelope(vector: dict[str, str]) -> None:
    envelope = bytes.fromhex(vector["envelope"])
    plaintext = crypto.decrypt(
        bytes.fromhex(vector["key"]), envelope, context=vector["context"].encode()
    )
    assert plaintext.hex() == vector["plaintext"]
    assert crypto.envelope_key_id(envelope) == vector["key_id"]


@pytest.mark.parametrize("vector", VECTORS["seal"])
def test_open_sealed_opens_fixed_envelope(vector: dict[str, str]) -> None:
    envelope = bytes.fromhex(vector["envelope"])
    plaintext = crypto.open_sealed(
        bytes.fromhex(vector["private_key"]), envelope, context=vector["context"].encode()
    )
    assert plaintext.hex() == vector["plaintext"]
    assert crypto.envelope_key_id(envelope) == vector["key_id"]


@pytest.mark.parametrize("vector", VECTORS["hkdf_split"])
def test_hkdf_split_matches_vector(vector: dict[str, Any]) -> None:
    labels = [label.encode() for label in vector["labels"]]
    outputs = crypto.hkdf_split(bytes.fromhex(vector["secret"]), *labels, length=vector["length"])
    assert [output.hex() for output in outputs] == vector["outputs"]


@pytest.mark.parametrize("vector", VECTORS["receipt_secrets"])
def test_derive_receipt_secrets_matches_vector(vector: dict[str, Any]) -> None:
    secrets = crypto.derive_receipt_secrets(
        vector["receipt_as_typed"], bytes.fromhex(vector["pepper"]), _params(vector["params"])
    )
    assert secrets.lookup_id.hex() == vector["lookup_id"]
    assert secrets.unlock_key.hex() == vector["unlock_key"]


@pytest.mark.parametrize("vector", VECTORS["password_key"])
def test_derive_key_from_password_matches_vector(vector: dict[str, Any]) -> None:
    key = crypto.derive_key_from_password(
        vector["password"], bytes.fromhex(vector["salt"]), _params(vector["params"])
    )
    assert key.hex() == vector["key"]


def test_password_key_is_the_same_however_the_keyboard_composes_it() -> None:
    vector = VECTORS["password_key"][1]
    salt = bytes.fromhex(vector["salt"])
    assert crypto.derive_key_from_password(
        vector["password_nfkc_equivalent"], salt, FAST
    ) == crypto.derive_key_from_password(vector["password"], salt, FAST)


@pytest.mark.parametrize("vector", VECTORS["recovery"])
def test_recovery_keypair_matches_vector(vector: dict[str, str]) -> None:
    for typed in (vector["code"], vector["code_as_typed"]):
        pair = crypto.recovery_keypair(typed)
        assert pair.private_key.hex() == vector["private_key"]
        assert hashlib.sha256(pair.public_key).hexdigest() == vector["public_key_sha256"]
        assert pair.key_id == vector["key_id"]


# --- Key pairs ------------------------------------------------------------------------------------


def test_generated_keypairs_have_documented_sizes_and_differ() -> None:
    first, second = crypto.generate_keypair(), crypto.generate_keypair()
    assert len(first.private_key) == 96
    assert len(first.public_key) == 1216
    assert len(first.key_id) == 16 and first.key_id == first.key_id.lower()
    assert first.private_key != second.private_key
    assert first.key_id != second.key_id


def test_keypair_repr_does_not_show_private_key(keypair: crypto.KeyPair) -> None:
    assert keypair.private_key.hex() not in repr(keypair)
    assert repr(keypair.private_key) not in repr(keypair)


def test_keypair_from_seed_is_deterministic_and_seed_sensitive() -> None:
    seed = bytes(range(32))
    assert crypto.keypair_from_seed(seed) == crypto.keypair_from_seed(seed)
    assert (
        crypto.keypair_from_seed(seed).public_key
        != crypto.keypair_from_seed(_flip(seed, 0)).public_key
    )


def test_keypair_from_seed_refuses_short_seed() -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.keypair_from_seed(bytes(31))


# --- Sealing (HPKE) -------------------------------------------------------------------------------


def test_seal_round_trip(keypair: crypto.KeyPair) -> None:
    envelope = crypto.seal(keypair.public_key, b"data key", context=CONTEXT)
    assert crypto.open_sealed(keypair.private_key, envelope, context=CONTEXT) == b"data key"
    assert crypto.envelope_key_id(envelope) == keypair.key_id
    assert envelope[:2] == b"S" + bytes([crypto.FORMAT_VERSION])


def test_sealed_32_byte_key_costs_1178_bytes(keypair: crypto.KeyPair) -> None:
    envelope = crypto.seal(keypair.public_key, bytes(32), context=CONTEXT)
    assert len(envelope) == 10 + 1168


def test_seal_is_randomised(keypair: crypto.KeyPair) -> None:
    first = crypto.seal(keypair.public_key, b"same", context=CONTEXT)
    second = crypto.seal(keypair.public_key, b"same", context=CONTEXT)
    assert first != second
    assert b"same" not in first


def test_sealed_envelope_does_not_open_with_another_key(keypair: crypto.KeyPair) -> None:
    envelope = crypto.seal(keypair.public_key, b"secret", context=CONTEXT)
    other = crypto.generate_keypair()
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(other.private_key, envelope, context=CONTEXT)


def test_sealed_envelope_moved_to_another_row_does_not_open(keypair: crypto.KeyPair) -> None:
    envelope = crypto.seal(keypair.public_key, b"secret", context=b"report:42:key:v1")
    for moved in (b"report:43:key:v1", b"report:42:message:v1", b"report:42:key:v1 "):
        with pytest.raises(crypto.DecryptionError):
            crypto.open_sealed(keypair.private_key, envelope, context=moved)


def test_sealed_envelope_tampered_anywhere_does_not_open(keypair: crypto.KeyPair) -> None:
    envelope = crypto.seal(keypair.public_key, b"secret data key", context=CONTEXT)
    positions = {
        "type": 0,
        "version": 1,
        "key id": 5,
        "ml-kem ciphertext": 10 + 500,
        "x25519 share": 10 + 1088 + 3,
        "body": len(envelope) - 20,
        "tag": len(envelope) - 1,
    }
    opened = []
    for where, index in positions.items():
        try:
            crypto.open_sealed(keypair.private_key, _flip(envelope, index), context=CONTEXT)
        except crypto.DecryptionError:
            continue
        opened.append(where)
    assert opened == []


@pytest.mark.parametrize("cut", [0, 1, 2, 9, 10, 11, 1130, -17, -1])
def test_truncated_sealed_envelope_does_not_open(keypair: crypto.KeyPair, cut: int) -> None:
    envelope = crypto.seal(keypair.public_key, b"secret", context=CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(keypair.private_key, envelope[:cut], context=CONTEXT)


def test_open_sealed_refuses_unknown_version_and_encrypt_envelope(
    keypair: crypto.KeyPair, data_key: bytes
) -> None:
    envelope = crypto.seal(keypair.public_key, b"secret", context=CONTEXT)
    future = envelope[:1] + bytes([crypto.FORMAT_VERSION + 1]) + envelope[2:]
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(keypair.private_key, future, context=CONTEXT)
    wrong_type = crypto.encrypt(data_key, b"secret", context=CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(keypair.private_key, wrong_type, context=CONTEXT)


@pytest.mark.parametrize("bad_key", [b"", bytes(95), bytes(97), "not bytes"])
def test_open_sealed_with_malformed_private_key_fails_closed(
    keypair: crypto.KeyPair, bad_key: Any
) -> None:
    envelope = crypto.seal(keypair.public_key, b"secret", context=CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(bad_key, envelope, context=CONTEXT)


@pytest.mark.parametrize("bad_key", [b"", bytes(1215), bytes(1217)])
def test_seal_refuses_malformed_public_key(bad_key: bytes) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.seal(bad_key, b"secret", context=CONTEXT)


def test_seal_refuses_empty_context(keypair: crypto.KeyPair) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.seal(keypair.public_key, b"secret", context=b"")


# --- Symmetric encryption (AES-256-GCM) ---------------------------------------------------------


def test_encrypt_round_trip_with_and_without_key_id(data_key: bytes) -> None:
    for key_id in ("", "0123456789abcdef"):
        envelope = crypto.encrypt(data_key, b"report body", context=CONTEXT, key_id=key_id)
        assert crypto.decrypt(data_key, envelope, context=CONTEXT) == b"report body"
        assert crypto.envelope_key_id(envelope) == key_id
        assert envelope[:2] == b"E" + bytes([crypto.FORMAT_VERSION])


def test_encrypt_round_trips_empty_and_large_plaintext(data_key: bytes) -> None:
    for plaintext in (b"", bytes(1_000_000)):
        envelope = crypto.encrypt(data_key, plaintext, context=CONTEXT)
        assert crypto.decrypt(data_key, envelope, context=CONTEXT) == plaintext


def test_encrypt_is_randomised_and_hides_plaintext(data_key: bytes) -> None:
    first = crypto.encrypt(data_key, b"my address", context=CONTEXT)
    second = crypto.encrypt(data_key, b"my address", context=CONTEXT)
    assert first != second
    assert b"my address" not in first


def test_new_data_keys_are_32_random_bytes() -> None:
    keys = {crypto.new_data_key() for _ in range(8)}
    assert len(keys) == 8
    assert all(len(key) == 32 for key in keys)


def test_encrypted_envelope_does_not_open_with_another_key(data_key: bytes) -> None:
    envelope = crypto.encrypt(data_key, b"secret", context=CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(crypto.new_data_key(), envelope, context=CONTEXT)


def test_encrypted_envelope_moved_to_another_row_does_not_open(data_key: bytes) -> None:
    envelope = crypto.encrypt(data_key, b"secret", context=b"report:42:body:v1")
    for moved in (b"report:43:body:v1", b"report:42:attachment:v1", b"report:4"):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(data_key, envelope, context=moved)


def test_encrypted_envelope_tampered_anywhere_does_not_open(data_key: bytes) -> None:
    envelope = crypto.encrypt(data_key, b"a report body of some length", context=CONTEXT)
    # Every byte: header (type, version, key id), nonce, body and tag.
    for index in range(len(envelope)):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(data_key, _flip(envelope, index), context=CONTEXT)


def test_rewritten_key_id_does_not_open(data_key: bytes) -> None:
    envelope = crypto.encrypt(data_key, b"secret", context=CONTEXT, key_id="0123456789abcdef")
    relabelled = envelope[:2] + bytes.fromhex("fedcba9876543210") + envelope[10:]
    assert crypto.envelope_key_id(relabelled) == "fedcba9876543210"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(data_key, relabelled, context=CONTEXT)


def test_truncated_or_empty_encrypted_envelope_does_not_open(data_key: bytes) -> None:
    envelope = crypto.encrypt(data_key, b"secret", context=CONTEXT)
    for cut in range(len(envelope)):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(data_key, envelope[:cut], context=CONTEXT)


def test_decrypt_refuses_unknown_version_and_sealed_envelope(
    keypair: crypto.KeyPair, data_key: bytes
) -> None:
    envelope = crypto.encrypt(data_key, b"secret", context=CONTEXT)
    for version in (0, crypto.FORMAT_VERSION + 1, 255):
        future = envelope[:1] + bytes([version]) + envelope[2:]
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(data_key, future, context=CONTEXT)
    sealed = crypto.seal(keypair.public_key, b"secret", context=CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(data_key, sealed, context=CONTEXT)


@pytest.mark.parametrize("bad_key", [b"", bytes(16), bytes(31), bytes(33), "not bytes"])
def test_decrypt_with_malformed_key_fails_closed(data_key: bytes, bad_key: Any) -> None:
    envelope = crypto.encrypt(data_key, b"secret", context=CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bad_key, envelope, context=CONTEXT)


@pytest.mark.parametrize("bad_key", [b"", bytes(16), bytes(24), bytes(33)])
def test_encrypt_refuses_wrong_length_key(bad_key: bytes) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.encrypt(bad_key, b"secret", context=CONTEXT)


@pytest.mark.parametrize("key_id", ["ABCDEF0123456789", "0123", "0123456789abcdefff", "z" * 16])
def test_encrypt_refuses_malformed_key_id(data_key: bytes, key_id: str) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.encrypt(data_key, b"secret", context=CONTEXT, key_id=key_id)


def test_encrypt_refuses_empty_context(data_key: bytes) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.encrypt(data_key, b"secret", context=b"")


@pytest.mark.parametrize("envelope", [b"", b"E", b"X\x01" + bytes(40), b"E\x02" + bytes(40)])
def test_envelope_key_id_refuses_non_envelopes(envelope: bytes) -> None:
    with pytest.raises(crypto.DecryptionError):
        crypto.envelope_key_id(envelope)


# --- Passwords ------------------------------------------------------------------------------------


def test_verify_password_accepts_right_and_refuses_wrong_password() -> None:
    phc = crypto.hash_password("correct horse", FAST)
    assert crypto.verify_password("correct horse", phc)
    assert not crypto.verify_password("correct horsf", phc)
    assert not crypto.verify_password("", phc)


def test_password_hash_is_salted_argon2id_without_the_password() -> None:
    first = crypto.hash_password("hunter2hunter2", FAST)
    second = crypto.hash_password("hunter2hunter2", FAST)
    assert first.startswith("$argon2id$")
    assert first != second
    assert "hunter2" not in first
    assert b"hunter2".hex() not in first


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "garbage",
        "$argon2id$",
        "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
        "$argon2id$v=19$m=8,t=1,p=1$!!!$???",
        "$argon2id$v=19$m=99999999999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
    ],
)
def test_verify_password_with_garbage_hash_is_false(garbage: str) -> None:
    assert crypto.verify_password("anything", garbage) is False


def test_derive_key_from_password_depends_on_password_and_salt() -> None:
    salt = bytes(16)
    key = crypto.derive_key_from_password("password one", salt, FAST)
    assert len(key) == 32
    assert key != crypto.derive_key_from_password("password two", salt, FAST)
    assert key != crypto.derive_key_from_password("password one", bytes([1]) * 16, FAST)


def test_derive_key_from_password_refuses_short_salt() -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.derive_key_from_password("password", bytes(8), FAST)


def test_production_kdf_constants() -> None:
    assert crypto.PASSWORD_KDF == crypto.Argon2Params(65536, 3, 4)
    receipt = crypto.RECEIPT_KDF
    assert 1024 <= receipt.memory_cost_kib <= 16384 and receipt.lanes == 1
    assert crypto.FAST_TEST_KDF == crypto.Argon2Params(8, 1, 1)


@pytest.mark.parametrize("values", [(7, 1, 1), (8, 0, 1), (8, 1, 0), (15, 1, 2), (8.0, 1, 1)])
def test_argon2_params_refuse_illegal_cost(values: tuple[Any, ...]) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.Argon2Params(*values)


# --- HKDF -----------------------------------------------------------------------------------------


def test_hkdf_split_gives_independent_subkeys_of_requested_length() -> None:
    first, second = crypto.hkdf_split(b"k" * 32, b"one", b"two", length=48)
    assert len(first) == len(second) == 48
    assert first != second
    assert crypto.hkdf_split(b"k" * 32, b"one") == (crypto.hkdf_split(b"k" * 32, b"one", b"x")[0],)


@pytest.mark.parametrize("labels", [(), (b"same", b"same"), (b"",)])
def test_hkdf_split_refuses_missing_repeated_or_empty_labels(labels: tuple[bytes, ...]) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.hkdf_split(b"k" * 32, *labels)


# --- Receipts -------------------------------------------------------------------------------------


def test_generated_receipt_is_16_digits_and_random() -> None:
    receipts = {crypto.generate_receipt() for _ in range(20)}
    assert len(receipts) == 20
    assert all(len(r) == 16 and r.isascii() and r.isdigit() for r in receipts)


def test_format_receipt_groups_digits_in_fours() -> None:
    assert crypto.format_receipt("1234567890123456") == "1234 5678 9012 3456"
    assert crypto.format_receipt("1234-5678-9012-3456") == "1234 5678 9012 3456"


@pytest.mark.parametrize(
    "typed",
    [
        "1234567890123456",
        "1234 5678 9012 3456",
        "1234-5678 9012 3456",
        "1234.5678.9012.3456",
        "  1234 5678\t9012\n3456 ",
        _in_script(0xFF10, "1234 5678 9012 3456"),  # full-width digits
        "1234\u20135678\u20139012\u20133456",
        _in_script(0x0660, "1234 5678 9012 3456"),  # Arabic-Indic digits
    ],
)
def test_normalise_receipt_accepts_how_people_type_it(typed: str) -> None:
    assert crypto.normalise_receipt(typed) == "1234567890123456"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "123456789012345",
        "12345678901234567",
        "1234 5678 9012 345O",
        "abcd efgh ijkl mnop",
        "1234_5678_9012_3456",
        "1234567890123456" + " " * 200,
    ],
)
def test_normalise_receipt_rejects_anything_else(typed: str) -> None:
    with pytest.raises(crypto.InvalidReceipt):
        crypto.normalise_receipt(typed)


def test_invalid_receipt_is_a_value_error_that_does_not_echo_input() -> None:
    with pytest.raises(ValueError) as caught:
        crypto.normalise_receipt("1234 5678 9012 345")
    assert "345" not in str(caught.value)


def test_receipt_secrets_are_32_bytes_and_independent() -> None:
    secrets = crypto.derive_receipt_secrets("1234 5678 9012 3456", PEPPER, FAST)
    assert len(secrets.lookup_id) == len(secrets.unlock_key) == 32
    assert secrets.lookup_id != secrets.unlock_key
    assert secrets.unlock_key.hex() not in repr(secrets)


def test_receipt_secrets_depend_on_pepper_and_receipt() -> None:
    base = crypto.derive_receipt_secrets("1234567890123456", PEPPER, FAST)
    other_pepper = crypto.derive_receipt_secrets("1234567890123456", bytes(32), FAST)
    other_receipt = crypto.derive_receipt_secrets("1234567890123457", PEPPER, FAST)
    assert other_pepper.lookup_id != base.lookup_id
    assert other_pepper.unlock_key != base.unlock_key
    assert other_receipt.lookup_id != base.lookup_id
    assert crypto.derive_receipt_secrets("1234-5678-9012-3456", PEPPER, FAST) == base


def test_receipt_secrets_refuse_short_pepper_and_bad_receipt() -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.derive_receipt_secrets("1234567890123456", bytes(16), FAST)
    with pytest.raises(crypto.InvalidReceipt):
        crypto.derive_receipt_secrets("12345", PEPPER, FAST)


# --- Recovery codes -------------------------------------------------------------------------------


def test_recovery_code_is_grouped_crockford_base32_with_enough_entropy() -> None:
    code = crypto.generate_recovery_code()
    groups = code.split("-")
    assert len(groups) == 7 and all(len(group) == 4 for group in groups)
    assert set("".join(groups)) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    # 27 random symbols of 5 bits each, plus one check symbol.
    assert 27 * 5 >= 128
    assert crypto.generate_recovery_code() != code


def test_recovery_code_round_trip_unlocks_what_was_sealed_to_it() -> None:
    code = crypto.generate_recovery_code()
    recovery = crypto.recovery_keypair(code)
    team = crypto.generate_keypair()
    envelope = crypto.seal(recovery.public_key, team.private_key, context=b"recovery:review:v1")
    typed_later = code.lower().replace("-", " ")
    again = crypto.recovery_keypair(typed_later)
    assert again == recovery
    assert crypto.open_sealed(again.private_key, envelope, context=b"recovery:review:v1") == (
        team.private_key
    )


def test_wrong_recovery_code_gives_a_different_key() -> None:
    first, second = crypto.generate_recovery_code(), crypto.generate_recovery_code()
    assert crypto.recovery_keypair(first).public_key != crypto.recovery_keypair(second).public_key


def test_recovery_code_with_a_typo_is_refused() -> None:
    code = VECTORS["recovery"][0]["code"]
    refused = 0
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for replacement in alphabet:
        if replacement == code[0]:
            continue
        try:
            crypto.recovery_keypair(replacement + code[1:])
        except crypto.InvalidRecoveryCode:
            refused += 1
    # The check symbol catches 31 in 32 typos on average; here it catches every one.
    assert refused == len(alphabet) - 1


@pytest.mark.parametrize(
    "code",
    [
        "",
        "0123-4567",
        "0123-4567-89AB-CDEF-GHJK-MNPQ-RST0-0000",
        "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTU",
    ],
)
def test_malformed_recovery_code_is_refused(code: str) -> None:
    with pytest.raises(crypto.InvalidRecoveryCode):
        crypto.recovery_keypair(code)


# --- MACs over fields (team key rows) ------------------------------------------------------------


def test_mac_fields_matches_hmac_sha256_of_length_prefixed_fields() -> None:
    import hmac

    key = b"k" * 32
    expected = hmac.new(key, b"\x00\x00\x00\x02ab\x00\x00\x00\x01c", hashlib.sha256).digest()
    assert crypto.mac_fields(key, b"ab", b"c") == expected
    assert crypto.verify_mac_fields(key, expected, b"ab", b"c")


def test_mac_fields_tells_apart_fields_split_differently_and_other_keys() -> None:
    key = b"k" * 32
    tag = crypto.mac_fields(key, b"ab", b"c")
    assert not crypto.verify_mac_fields(key, tag, b"a", b"bc")
    assert not crypto.verify_mac_fields(key, tag, b"abc")
    assert not crypto.verify_mac_fields(b"j" * 32, tag, b"ab", b"c")
    assert not crypto.verify_mac_fields(key, tag[:-1] + bytes([tag[-1] ^ 1]), b"ab", b"c")
    assert not crypto.verify_mac_fields(key, None, b"ab", b"c")


@pytest.mark.parametrize("key", [b"", b"short", "k" * 32])
def test_mac_fields_refuses_a_short_or_text_key(key: Any) -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.mac_fields(key, b"field")


def test_mac_fields_needs_byte_fields() -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.mac_fields(b"k" * 32)
    with pytest.raises(crypto.CryptoError):
        crypto.mac_fields(b"k" * 32, "text")  # type: ignore[arg-type]
