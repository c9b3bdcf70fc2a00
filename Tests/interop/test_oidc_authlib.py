"""Authlib, a standard OpenID Connect client library, runs the whole flow against a live `hues serve --demo`
unchanged: discovery, authorize with PKCE, code exchange, ID token validation against the JWKS, userinfo, refresh,
logout. A requests session plays the browser (sign-in page, consent page)."""
import re
import secrets
from urllib.parse import parse_qs, urlparse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

REDIRECT = "https://rp.hues-interop.example/callback"
POST_LOGOUT = "https://rp.hues-interop.example/bye"


def register_relying_party(base):
    admin = requests.post(base + "/api/v1/auth/token", json={"username": "admin", "password": "demo-admin-2026"}).json()["access_token"]
    code = "interop-" + secrets.token_hex(4)
    response = requests.post(base + "/api/v1/services", headers={"Authorization": "Bearer " + admin}, json={
        "code": code, "name": "Authlib interop", "category": "utilities", "ownerUnit": "so-khoa-hoc-cong-nghe",
        "launchURL": "https://rp.hues-interop.example/",
        "client": {"type": "confidential", "redirectURIs": [REDIRECT], "postLogoutRedirectURIs": [POST_LOGOUT],
                   "scopes": ["openid", "profile", "email", "phone"]}})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["clientID"], body["clientSecret"]


def hidden(html, name):
    match = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), html)
    assert match, f"no hidden field {name}"
    return match.group(1).replace("&amp;", "&")


def browser_authorize(base, authorize_url):
    """Follows the authorize URL as a person would: sign in, consent, and stop at the redirect to the RP."""
    browser = requests.Session()
    page = browser.get(authorize_url, allow_redirects=True)
    assert "/login" in page.url, page.url
    page = browser.post(base + "/login", data={"_csrf": hidden(page.text, "_csrf"), "next": hidden(page.text, "next"),
                                               "username": "citizen", "password": "demo-citizen-2026"}, allow_redirects=False)
    assert page.status_code == 303, page.text
    page = browser.get(base + page.headers["Location"], allow_redirects=False)
    if page.status_code == 200:  # consent
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
        fields["decision"] = "allow"
        page = browser.post(base + "/oauth2/authorize", data=fields, allow_redirects=False)
    assert page.status_code == 302, page.text
    location = page.headers["Location"]
    assert location.startswith(REDIRECT), location
    return browser, location


def test_authlib_code_flow_with_pkce(server):
    client_id, client_secret = register_relying_party(server)
    metadata = requests.get(server + "/.well-known/openid-configuration").json()
    assert metadata["issuer"] == server

    rp = OAuth2Session(client_id, client_secret, scope="openid profile email", redirect_uri=REDIRECT,
                       code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
    verifier = generate_token(64)
    nonce = generate_token(20)
    url, state = rp.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce)

    browser, callback = browser_authorize(server, url)
    assert parse_qs(urlparse(callback).query)["state"] == [state]

    token = rp.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    assert token["token_type"] == "Bearer"

    jwks = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"]).json())
    claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                        claims_options={"iss": {"values": [metadata["issuer"]]}, "aud": {"values": [client_id]}},
                        claims_params={"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]})
    claims.validate(leeway=120)
    assert claims["name"] == "Nguyễn Thị Hoa"
    assert claims["acr"] == "urn:hues:loa:1"

    info = rp.get(metadata["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"]
    assert info["email"] == "hoa@example.vn"

    old_refresh = token["refresh_token"]
    refreshed = rp.refresh_token(metadata["token_endpoint"], refresh_token=old_refresh)
    assert refreshed["refresh_token"] != old_refresh
    replay = requests.post(metadata["token_endpoint"], auth=(client_id, client_secret),
                           data={"grant_type": "refresh_token", "refresh_token": old_refresh})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"

    logout = browser.get(metadata["end_session_endpoint"], params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": POST_LOGOUT,
                                                                   "state": "bye"}, allow_redirects=False)
    assert logout.status_code == 302 and logout.headers["Location"] == POST_LOGOUT + "?state=bye"
    assert "/login" in browser.get(server + "/account").url
