"""Throughput and p99 of the OpenID Connect token endpoint (authorization-code exchange, refresh) against a running
server. Codes are single-use and refresh tokens rotate, so each worker obtains a fresh code (untimed) before each
timed exchange, and chains its refreshes. Usage: python3 Benchmarks/oidc_bench.py BASE_URL [seconds] [workers]

With --wrk CONNECTIONS the grants come from wrk instead (Benchmarks/oidc_wrk.lua: authorize, then exchange, per
code), because Python clients spend more CPU per grant than the server does and, on two cores, measure themselves:
  python3 Benchmarks/oidc_bench.py BASE_URL 10 --wrk 16         # code grants, then refresh grants"""
import base64
import multiprocessing
import os
import re
import secrets
import subprocess
import sys
import time
from base64 import urlsafe_b64encode
from hashlib import sha256
from urllib.parse import parse_qs, urlencode, urlparse

import requests

REDIRECT = "https://bench.hues.example/callback"


def register(base):
    admin = requests.post(base + "/api/v1/auth/token", json={"username": "admin", "password": "demo-admin-2026"}).json()["access_token"]
    code = "bench-" + secrets.token_hex(4)
    body = requests.post(base + "/api/v1/services", headers={"Authorization": "Bearer " + admin}, json={
        "code": code, "name": "Benchmark RP", "category": "utilities", "ownerUnit": "so-khoa-hoc-cong-nghe",
        "launchURL": "https://bench.hues.example/",
        "client": {"type": "confidential", "redirectURIs": [REDIRECT], "scopes": ["openid", "profile"]}}).json()
    return body["clientID"], body["clientSecret"]


def browser(base):
    session = requests.Session()
    page = session.get(base + "/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    session.post(base + "/login", data={"_csrf": csrf, "username": "citizen", "password": "demo-citizen-2026"}, allow_redirects=False)
    return session


def code_for(base, session, client_id):
    verifier = secrets.token_urlsafe(48)
    challenge = urlsafe_b64encode(sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "scope": "openid profile",
                       "state": "s", "nonce": "n", "code_challenge": challenge, "code_challenge_method": "S256"})
    response = session.get(base + "/oauth2/authorize?" + query, allow_redirects=False)
    if response.status_code == 200:  # consent once
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.text))
        fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
        fields["decision"] = "allow"
        response = session.post(base + "/oauth2/authorize", data=fields, allow_redirects=False)
    return parse_qs(urlparse(response.headers["Location"]).query)["code"][0], verifier


def worker(args):
    base, client_id, secret, seconds, mode = args
    session = browser(base)
    rp = requests.Session()
    rp.auth = (client_id, secret)
    latencies = []
    code, verifier = code_for(base, session, client_id)
    first = rp.post(base + "/oauth2/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                                  "code_verifier": verifier}).json()
    refresh = first["refresh_token"]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if mode == "code":
            code, verifier = code_for(base, session, client_id)
            data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
        else:
            data = {"grant_type": "refresh_token", "refresh_token": refresh}
        started = time.perf_counter()
        response = rp.post(base + "/oauth2/token", data=data)
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        refresh = response.json()["refresh_token"]
    return latencies, first["access_token"]


def wrk_grants(base, seconds, connections, grant):
    """Grants per second with wrk: for "code", each grant is one authorize (a code written) and one exchange; for
    "refresh", each is one rotation of a refresh token (after the few code grants that hand out the first tokens)."""
    client_id, secret = register(base)
    session = browser(base)
    code_for(base, session, client_id)  # consent once, so every later authorize redirects with a code
    verifier = secrets.token_urlsafe(48)
    challenge = urlsafe_b64encode(sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    env = dict(os.environ, HUES_COOKIE="; ".join("%s=%s" % (c.name, c.value) for c in session.cookies), HUES_CLIENT_ID=client_id,
               HUES_BASIC=base64.b64encode(("%s:%s" % (client_id, secret)).encode()).decode(), HUES_REDIRECT=REDIRECT,
               HUES_CHALLENGE=challenge, HUES_VERIFIER=verifier, HUES_GRANT=grant)
    out = subprocess.run(["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "--latency", "-s",
                          os.path.join(os.path.dirname(os.path.abspath(__file__)), "oidc_wrk.lua"), base],
                         env=env, capture_output=True, text=True, check=True).stdout
    counts = re.search(r"grants (\d+) refused (\d+) lost (\d+) seconds ([\d.]+)", out)
    grants, refused, lost, elapsed = int(counts[1]), int(counts[2]), int(counts[3]), float(counts[4])
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    label = "authorization-code grants (authorize + token)" if grant == "code" else "refresh grants (rotating)"
    print(f"{label:46} {grants / elapsed:8.1f} /s  request p99 {p99}  "
          f"({connections} wrk connections, {refused} refused, {lost} redirects without a code)")
    if refused or lost:
        sys.exit("some requests failed")


def main():
    if "--wrk" in sys.argv:
        index = sys.argv.index("--wrk")
        connections = int(sys.argv[index + 1])
        rest = sys.argv[1:index] + sys.argv[index + 2:]
        for grant in ("code", "refresh"):
            wrk_grants(rest[0].rstrip("/"), int(rest[1]) if len(rest) > 1 else 10, connections, grant)
        return
    base = sys.argv[1].rstrip("/")
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    client_id, secret = register(base)
    token = None
    for mode in ("code", "refresh"):
        with multiprocessing.Pool(workers) as pool:
            results = pool.map(worker, [(base, client_id, secret, seconds, mode)] * workers)
        latencies = sorted(l for r in results for l in r[0])
        token = results[0][1]
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
        label = "authorization-code exchange" if mode == "code" else "refresh (rotating)"
        print(f"POST /oauth2/token {label:28} {len(latencies) / seconds:8.1f} req/s (timed part only)  p99 {p99:6.2f} ms  ({workers} clients)")
    with open("/tmp/hues-bench-userinfo-token", "w") as handle:
        handle.write(token)


if __name__ == "__main__":
    main()
