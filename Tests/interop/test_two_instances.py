"""Two `hues serve` processes on one PostgreSQL database, as behind a load balancer: requests alternate between them;
every welcome email and every payment webhook goes out exactly once; a report filed on one instance reaches the
other's live stream and its kept public answers within moments; when one instance is killed with SIGKILL, the other
takes over its single-instance work (signing event-log checkpoints) once the lease lapses."""
import base64
import http.server
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from urllib.parse import urlparse, urlunparse

import pytest
import requests
from aiosmtpd.controller import Controller

from conftest import _binary, _free_port


class Instance:
    def __init__(self, name, database, master_key, smtp_port):
        self.port = _free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.data = tempfile.mkdtemp(prefix="hues-" + name + "-")
        self.env = dict(os.environ, HUES_DATA_DIR=self.data, HUES_PORT=str(self.port), HUES_PUBLIC_URL=self.base,
                        HUES_DATABASE_URL=database, HUES_MASTER_KEY=master_key, HUES_PASSWORD_HASH_COST="6",
                        HUES_LOG_LEVEL="warning", HUES_SIGN_IN_RATE_LIMIT="100000", HUES_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
                        HUES_SMTP_HOST="127.0.0.1", HUES_SMTP_PORT=str(smtp_port), HUES_NOTICE_POLL_SECONDS="1",
                        HUES_PAYMENTS_SWEEP_SECONDS="1", HUES_AUDIT_CHECKPOINT_SECONDS="2")
        self.process = None

    def start(self):
        log = open(os.path.join(self.data, "server.log"), "a")
        self.process = subprocess.Popen([_binary(), "serve", "--demo"], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("exited on start:\n" + self.log())
            try:
                if requests.get(self.base + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("did not become healthy:\n" + self.log())

    def log(self):
        return open(os.path.join(self.data, "server.log")).read()[-4000:]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class Mailbox:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.extend(envelope.rcpt_tos)
        return "250 OK"

    def count(self, address):
        with self.lock:
            return self.messages.count(address)


class Hooks(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hooks.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def token(base, username, password):
    response = requests.post(base + "/api/v1/auth/token", json={"username": username, "password": password}, timeout=10)
    response.raise_for_status()
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def wait_for(condition, seconds, step=0.2):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@pytest.fixture
def instances():
    admin = os.environ.get("HUES_TEST_DATABASE_URL")
    if not admin:
        pytest.fail("HUES_TEST_DATABASE_URL is not set: run scripts/test --postgres --interop")
    name = "hues_two_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", admin, "-q", "-c", "CREATE DATABASE " + name], check=True, capture_output=True)
    database = urlunparse(urlparse(admin)._replace(path="/" + name))
    mailbox = Mailbox()
    smtp_port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    key = base64.b64encode(os.urandom(32)).decode()
    first, second = Instance("a", database, key, smtp_port), Instance("b", database, key, smtp_port)
    try:
        first.start()
        # The first instance holds the checkpoint lease before the second one starts.
        assert wait_for(lambda: requests.get(first.base + "/api/v1/audit/checkpoints/latest", timeout=5).status_code == 200, 30)
        second.start()
        yield first, second, mailbox, database
    finally:
        for instance in (first, second):
            instance.stop()
        controller.stop()
        subprocess.run(["psql", admin, "-q", "-c", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name], capture_output=True)


def register_everyone(instances, prefix, count):
    addresses = []
    for index in range(count):
        base = instances[index % len(instances)].base
        username = "%s.%d" % (prefix, index)
        address = "%s@example.vn" % username
        response = requests.post(base + "/api/v1/accounts/register", timeout=10, json={
            "username": username, "displayName": "Người dùng %d" % index, "password": "a-long-password", "email": address})
        assert response.status_code == 201, response.text
        addresses.append(address)
    return addresses


def test_two_instances_share_the_work_once_and_see_each_others_writes(instances):
    first, second, mailbox, _ = instances

    # Welcome emails for accounts opened on either instance: each sent once, by whichever instance claimed it.
    addresses = register_everyone([first, second], "hai.phien", 12)
    assert wait_for(lambda: all(mailbox.count(a) >= 1 for a in addresses), 60), [mailbox.count(a) for a in addresses]
    time.sleep(3)
    assert [mailbox.count(a) for a in addresses] == [1] * len(addresses)

    # Payment webhooks: one subscription, payments confirmed through both instances, one delivery per payment.
    receiver_port = _free_port()
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", receiver_port), Hooks)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        admin = token(first.base, "admin", "demo-admin-2026")
        subscription = requests.post(first.base + "/api/v1/payments/webhooks", headers=admin, timeout=10, json={
            "service": "hue-s-app", "url": "http://127.0.0.1:%d/hooks" % receiver_port, "events": ["payment.succeeded"]})
        assert subscription.status_code == 201, subscription.text
        references = []
        for index, instance in enumerate([first, second, first, second]):
            officer = token(instance.base, "officer", "demo-officer-2026")
            citizen = token(instance.base, "citizen", "demo-citizen-2026")
            invoice = requests.post(instance.base + "/api/v1/payments/invoices", headers=officer, timeout=10, json={
                "unit": "phuong-phu-xuan", "payer": {"name": "Hộ số %d" % index}, "kind": "bill",
                "description": "Phí vệ sinh tháng %d" % (index + 1), "amount": 30000 + index, "dueDate": "2099-01-01"}).json()
            intent = requests.post(instance.base + "/api/v1/payments/intents", headers=citizen, timeout=10,
                                   json={"invoice": invoice["reference"]}).json()
            paid = requests.post(instance.base + "/api/v1/bank-simulator/payments?wait=true", headers=citizen, timeout=10,
                                 json={"payload": intent["vietQR"], "duplicates": 1})
            assert paid.status_code == 202, paid.text
            references.append(invoice["reference"])
        assert wait_for(lambda: len(Hooks.received) >= 4, 60), len(Hooks.received)
        time.sleep(3)
        delivered = [ref for body in Hooks.received for ref in references if ref.encode() in body]
        assert sorted(delivered) == sorted(references), "each payment's webhook exactly once"
    finally:
        receiver.shutdown()

    # A report filed on the first instance: the second's live stream says so, and its kept public list shows it.
    citizen = token(first.base, "citizen", "demo-citizen-2026")
    requests.get(second.base + "/open311/v2/requests.json", timeout=10).raise_for_status()  # kept by the second now
    heard = []
    stream = requests.get(second.base + "/api/v1/live?topics=field-report", stream=True, timeout=30)
    assert stream.headers["Content-Type"].startswith("text/event-stream")

    def listen():
        for line in stream.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                heard.append(line)
                return
    threading.Thread(target=listen, daemon=True).start()
    time.sleep(0.5)
    filed = requests.post(first.base + "/api/v1/field-reports", headers=citizen, timeout=10, json={
        "category": "road-damage", "latitude": 16.4740, "longitude": 107.5750, "description": "Ổ gà trước cổng trường",
        "answers": {"size": "large"}, "photos": []})
    assert filed.status_code == 201, filed.text
    code = filed.json()["code"]
    assert wait_for(lambda: heard, 10), "the second instance's stream heard of the report"
    assert "field-report." in heard[0]
    stream.close()
    assert wait_for(lambda: code in requests.get(second.base + "/open311/v2/requests.json", timeout=10).text, 10)

    # An Open311 key used on the second instance (so remembered there) and revoked on the first is refused by the
    # second within a second: the revocation's commit is told to it.
    admin = token(first.base, "admin", "demo-admin-2026")
    issued = requests.post(first.base + "/api/v1/open311/clients", headers=admin, timeout=10, json={"name": "CRM phường"})
    assert issued.status_code == 201, issued.text
    form = {"api_key": issued.json()["apiKey"], "service_code": "garbage", "lat": "16.4712", "long": "107.5801",
            "description": "Rác tồn đọng"}
    posted = requests.post(second.base + "/open311/v2/requests.json", data=form, timeout=10)
    assert posted.status_code == 201, posted.text
    revoked = requests.post(first.base + "/api/v1/open311/clients/%s/revoke" % issued.json()["client"]["id"], headers=admin, timeout=10)
    assert revoked.status_code == 200, revoked.text
    assert wait_for(lambda: requests.post(second.base + "/open311/v2/requests.json", data=form, timeout=10).status_code == 403, 1, 0.1), \
        "the second instance refuses the revoked key within a second"

    # The first instance dies without a word; the second takes its lease over and signs new checkpoints.
    before = requests.get(second.base + "/api/v1/audit/checkpoints/latest", timeout=10).json()["seq"]
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)
    register_everyone([second], "sau.khi", 2)
    assert wait_for(lambda: requests.get(second.base + "/api/v1/audit/checkpoints/latest", timeout=10).json()["seq"] > before, 120, 1), \
        "the second instance signs checkpoints once the dead one's lease has lapsed"
    assert wait_for(lambda: mailbox.count("sau.khi.1@example.vn") == 1, 30)
