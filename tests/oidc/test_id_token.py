"""The ID token's checks (OpenID Connect Core § 3.1.3.7), each on a token that breaks just it."""

from __future__ import annotations

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from intake import clock
from intake.oidc import LoginFailed, check_id_token

ISSUER, CLIENT, NONCE = "https://login.example.no", "kartlegging", "nonce-123"
META = {"issuer": ISSUER, "id_token_signing_alg_values_supported": ["RS256"]}
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
KEYS = KeySet([KEY])


def _token(key=KEY, **change) -> str:
    now = int(clock.now().timestamp())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "abc", "iat": now, "exp": now + 600, "nonce": NONCE, **change}
    return jwt.encode({"alg": "RS256", "kid": "k1"}, {k: v for k, v in claims.items() if v is not None}, key)


def test_a_good_token_gives_its_claims():
    assert check_id_token(_token(), META, CLIENT, NONCE, keys=KEYS)["sub"] == "abc"


@pytest.mark.parametrize("change", [
    {"iss": "https://evil.example"}, {"aud": "another-client"}, {"aud": ["another-client"]}, {"nonce": "other"},
    {"nonce": None}, {"exp": 1}, {"sub": None}, {"iat": 4_000_000_000},
], ids=["issuer", "audience", "audience-list", "nonce", "no-nonce", "expired", "no-subject", "issued-in-future"])
def test_a_token_that_fails_a_check_is_refused(change):
    with pytest.raises(LoginFailed):
        check_id_token(_token(**change), META, CLIENT, NONCE, keys=KEYS)


def test_a_token_signed_with_another_key_is_refused():
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(LoginFailed):
        check_id_token(_token(key=other), META, CLIENT, NONCE, keys=KEYS)


@pytest.mark.filterwarnings("ignore:JWS algorithm")
def test_an_unsigned_token_is_refused():
    from joserfc.jws import JWSRegistry

    unsigned = jwt.encode({"alg": "none"}, {"iss": ISSUER, "aud": CLIENT, "sub": "abc", "nonce": NONCE,
                                            "iat": int(clock.now().timestamp()), "exp": 4_000_000_000}, None,
                          registry=JWSRegistry(algorithms=["none"]))
    with pytest.raises(LoginFailed):
        check_id_token(unsigned, META, CLIENT, NONCE, keys=KEYS)
