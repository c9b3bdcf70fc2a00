"""Web Push end to end. A citizen subscribes a browser (its keys made here, as a browser makes them) whose push service
is a local HTTP server; filing a dossier sends the notice. The push service checks the VAPID token (RFC 8292) with
py-vapid and decrypts the message with http-ece, the reference implementation of RFC 8188/8291. A push service that
answers 410 Gone makes the platform forget that subscription."""
import base64
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import jwt as vapid_jwt

from test_dossier_flow import minimal_pdf

PASSWORDS = {"citizen": "demo-citizen-2026"}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PushService:
    """Keeps every message it receives; answers 410 for endpoints under /push/gone/, 201 otherwise."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(410 if self.path.startswith("/push/gone/") else 201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, path, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            hits = [m for m in self.received if m["path"] == path]
            if hits:
                return hits
            time.sleep(0.2)
        raise AssertionError(f"nothing pushed to {path}; received {[m['path'] for m in self.received]}")


class Browser:
    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self, endpoint):
        point = self.key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)}}


def file_dossier(server, auth):
    pdf = base64.b64encode(minimal_pdf()).decode()
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").decode()
    dossier = {"procedure": "1.001193", "competentUnit": "phuong-phu-xuan", "applicant": {"phone": "0905123456"},
               "form": {"childName": "Lê Gia Bảo", "childBirthDate": "2026-11-01", "sex": "Nam", "birthPlace": "Bệnh viện Trung ương Huế",
                        "motherName": "Nguyễn Thị Hoa", "relationship": "Mẹ"},
               "attachments": [{"document": "to-khai", "fileName": "to-khai.pdf", "content": pdf},
                               {"document": "giay-chung-sinh", "fileName": "giay-chung-sinh.png", "content": png}]}
    response = requests.post(server + "/api/v1/dossiers", json=dossier, headers=auth, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["code"]


def web_app(server, username):
    """A browser session as the web app has it: signed in through the login form, with the CSRF token its pages carry."""
    session = requests.Session()
    login = session.get(server + "/login", timeout=10).text
    csrf = re.search(r'name="_csrf" value="([^"]+)"', login).group(1)
    signed_in = session.post(server + "/login", data={"_csrf": csrf, "username": username, "password": PASSWORDS[username]}, timeout=10)
    assert "/login" not in signed_in.url, signed_in.url
    session.headers["X-CSRF-Token"] = re.search(r'data-csrf="([^"]+)"', session.get(server + "/notices", timeout=10).text).group(1)
    return session


def test_a_notice_reaches_the_subscribed_browser_encrypted_and_a_gone_subscription_is_forgotten(server):
    token = requests.post(server + "/api/v1/auth/token", json={"username": "citizen", "password": PASSWORDS["citizen"]},
                          timeout=10).json()["access_token"]
    auth = {"Authorization": "Bearer " + token}
    push = PushService()
    phone, old_laptop = Browser(), Browser()
    subscriptions = server + "/api/v1/notices/push/subscriptions"
    web = web_app(server, "citizen")
    for browser, path in ((phone, "/push/ok/phone"), (old_laptop, "/push/gone/laptop")):
        response = web.post(subscriptions, json=browser.subscription(f"http://127.0.0.1:{push.port}{path}"),
                            headers={"Accept-Language": "vi"}, timeout=10)
        assert response.status_code == 201, response.text

    code = file_dossier(server, auth)
    message = push.wait_for("/push/ok/phone")[0]
    headers = {name.lower(): value for name, value in message["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) > 0

    # The push service's view: a VAPID token for its own origin, signed by the key the browser subscribed with.
    match = re.fullmatch(r"vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)", headers["authorization"])
    assert match, headers["authorization"]
    claims = vapid_jwt.decode(match.group(1), match.group(2))  # raises unless the ES256 signature verifies
    assert claims["aud"] == f"http://127.0.0.1:{push.port}"
    assert claims["exp"] > time.time() and claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"].startswith(("mailto:", "https://"))
    assert match.group(2) == requests.get(server + "/api/v1/notices/push/key", timeout=10).json()["publicKey"]

    # The browser's view: only its key and secret open the message, and it says what happened.
    shown = json.loads(http_ece.decrypt(message["body"], private_key=phone.key, auth_secret=phone.auth, version="aes128gcm"))
    assert code in shown["title"], shown
    assert shown["link"] == f"/dossiers/{code}"
    with pytest.raises(Exception):  # http_ece raises ECEException or cryptography's InvalidTag
        http_ece.decrypt(message["body"], private_key=old_laptop.key, auth_secret=old_laptop.auth, version="aes128gcm")

    # The laptop's push service said 410: the platform forgot it, and the phone stays subscribed.
    push.wait_for("/push/gone/laptop")
    deadline = time.time() + 15
    while time.time() < deadline:
        left = [item["endpoint"] for item in requests.get(subscriptions, headers=auth, timeout=10).json()["items"]]
        if all("/gone/" not in endpoint for endpoint in left):
            break
        time.sleep(0.3)
    assert left == [f"http://127.0.0.1:{push.port}/push/ok/phone"], left
    assert len([m for m in push.received if m["path"] == "/push/ok/phone"]) == 1, "sent once"
    push.server.shutdown()
