"""ngsildclient (PyPI) drives the NGSI-LD broker of a live `hues serve --demo`, and a subscriber on loopback
receives the notification its subscription asked for."""
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from conftest import ROOT

REQUIREMENTS = os.path.join(ROOT, "Tests", "interop", "ngsild-requirements.txt")


def _client_packages():
    """ngsildclient and its pinned dependencies in a folder of their own (it needs rich<13, schemathesis rich>=13)."""
    digest = hashlib.sha256(open(REQUIREMENTS, "rb").read()).hexdigest()[:12]
    folder = os.path.join(ROOT, ".build", "interop-python", f"ngsildclient-{digest}")
    if not os.path.exists(os.path.join(folder, "ngsildclient")):
        # --no-warn-conflicts: pip would compare the folder's rich 12 with the environment's Schemathesis, which never meet.
        command = [sys.executable, "-m", "pip", "install", "-q", "--no-warn-conflicts", "--target", folder, "-r", REQUIREMENTS]
        if subprocess.run(command).returncode != 0:
            subprocess.run(command + ["--break-system-packages"], check=True)
    return folder


class Receiver(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Receiver.received.append((self.headers.get("Content-Type"), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def _token(server, username, password):
    request = urllib.request.Request(server + "/api/v1/auth/token", data=json.dumps({"username": username, "password": password}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["access_token"]


def test_ngsildclient_creates_reads_upserts_queries_and_subscribes(server):
    packages = _client_packages()
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    notify = f"http://127.0.0.1:{receiver.server_address[1]}/notify"
    token = _token(server, "ioc", "demo-ioc-2026")
    port = server.rsplit(":", 1)[1]
    walk = subprocess.run([sys.executable, os.path.join(ROOT, "Tests", "interop", "ngsild_walk.py"), port, token, notify],
                          env=dict(os.environ, PYTHONPATH=packages), capture_output=True, text=True, timeout=120)
    assert walk.returncode == 0, walk.stderr[-3000:]
    seen = json.loads(walk.stdout.strip().splitlines()[-1])
    assert seen["created"] is True and seen["exists"] is True
    assert seen["read_pm25"] == 18.5 and seen["read_name"] == "Trạm vy-da"
    assert seen["duplicate"] == "NgsiAlreadyExistsError"
    assert seen["subscription"] == "urn:ngsi-ld:Subscription:pm25-high" and seen["subscription_exists"] is True
    assert seen["subscriptions_listed"] == 1
    assert seen["batch_ok"] == 120 and seen["update_ok"] == 1
    assert seen["count"] == seen["count_before"] + 121
    # Stations s091…s119 read 101…129; vy-da now reads 48.
    assert seen["count_high"] == 29
    assert seen["query_high"] == [f"urn:ngsi-ld:AirQualityObserved:hue-s{index:03d}" for index in range(116, 120)]
    assert seen["deleted"] is True and seen["exists_after_delete"] is False
    assert "pm25" in json.dumps(seen["history"])
    # Every station above 35 µg/m³ was a watched change matching q: the subscriber hears of them, pm25 only. (The
    # demo's simulated stations, `…:le-loi` and the like, may be heard of too; this walk's are `…:hue-…`.)
    deadline = time.time() + 15
    ids = set()
    while time.time() < deadline:
        ids = {entity["id"] for _, notification in Receiver.received for entity in notification["data"]
               if entity["id"].startswith("urn:ngsi-ld:AirQualityObserved:hue-")}
        if "urn:ngsi-ld:AirQualityObserved:hue-vy-da" in ids and len(ids) >= 95:
            break
        time.sleep(0.2)
    assert "urn:ngsi-ld:AirQualityObserved:hue-vy-da" in ids
    assert ids == {"urn:ngsi-ld:AirQualityObserved:hue-vy-da"} | {f"urn:ngsi-ld:AirQualityObserved:hue-s{index:03d}" for index in range(26, 120)}
    content_type, notification = Receiver.received[0]
    assert content_type == "application/json" and notification["type"] == "Notification"
    assert notification["subscriptionId"] == "urn:ngsi-ld:Subscription:pm25-high"
    assert all(set(entity) == {"id", "type", "pm25"} for _, n in Receiver.received for entity in n["data"])
    receiver.shutdown()
