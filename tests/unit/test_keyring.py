"""The keyring: the first key encrypts, every key decrypts; a malformed key is refused by its position,
never echoed; a value no key opens is refused without showing it; keys belong to one engine."""

from __future__ import annotations

import pytest

from npsloop.store.database import make_engine
from npsloop.store.keyring import Keyring, KeyringError, UndecryptableSecret, keyring_of


def test_the_first_key_encrypts_and_every_key_decrypts():
    old, new = Keyring.generate(), Keyring.generate()
    token = Keyring.parse(old).encrypt("whsec_abc")
    both = Keyring.parse(f" {new} , {old} ")
    assert both.size == 2 and both.decrypt(token) == "whsec_abc"
    assert not both.is_current(token)
    fresh = both.reencrypt(token)
    assert both.is_current(fresh) and Keyring.parse(new).decrypt(fresh) == "whsec_abc"
    assert "whsec_abc" not in token and both.encrypt("x") != both.encrypt("x")  # a fresh IV each time
    with pytest.raises(UndecryptableSecret) as refused:
        Keyring.parse(Keyring.generate()).decrypt(token)
    assert token not in str(refused.value)


def test_a_malformed_or_missing_key_is_refused_by_position_not_value():
    with pytest.raises(KeyringError) as refused:
        Keyring.parse(f"{Keyring.generate()},my-passphrase-123")
    assert "key 2 of 2" in str(refused.value) and "my-passphrase-123" not in str(refused.value)
    assert "generate-key" in str(refused.value)
    with pytest.raises(KeyringError, match="no key"):
        Keyring.parse(" , ")


def test_keys_belong_to_the_engine_they_are_given_to(tmp_path):
    keyring = Keyring.parse(Keyring.generate())
    keyed = make_engine(f"sqlite:///{tmp_path / 'a.db'}", keyring=keyring)
    bare = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    assert keyring_of(keyed.dialect) is keyring
    with pytest.raises(KeyringError, match="NPSLOOP_SECRET_KEY"):
        keyring_of(bare.dialect)
    keyed.dispose()
    bare.dispose()
