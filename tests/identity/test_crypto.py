import json

import pytest

from hall_server.identity import crypto


def keys() -> crypto.Keys:
    return crypto.Keys(bytes.fromhex("00112233445566778899aabbccddeeff"), b"k" * 32)


def test_self_test_passes_with_the_linked_openssl():
    crypto.self_test()


def test_round_trip_and_binding_to_the_column():
    blob = crypto.encrypt(keys(), "11010519491231002X", "visitor.id_number")
    assert b"1101" not in blob
    assert crypto.decrypt(keys(), blob, "visitor.id_number") == "11010519491231002X"
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(keys(), blob, "visitor.name")


def test_same_plaintext_encrypts_differently_but_hashes_the_same():
    a = crypto.encrypt(keys(), "x", "c")
    b = crypto.encrypt(keys(), "x", "c")
    assert a != b
    assert crypto.lookup_hash(keys(), "x") == crypto.lookup_hash(keys(), "x")
    assert crypto.lookup_hash(keys(), "x").startswith("hm3:")


def test_wrong_key_is_refused():
    blob = crypto.encrypt(keys(), "secret", "c")
    other = crypto.Keys(bytes(16), b"k" * 32)
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(other, blob, "c")


def test_key_file_is_created_only_when_asked_and_private(tmp_path):
    path = tmp_path / "var" / "keys.json"
    with pytest.raises(crypto.CryptoError, match="yimen db upgrade"):
        crypto.load_keys(None, None, path)
    created = crypto.load_keys(None, None, path, create=True)
    assert path.stat().st_mode & 0o777 == 0o600
    assert crypto.load_keys(None, None, path) == created
    assert set(json.loads(path.read_text())) == {"data_key", "lookup_key"}
