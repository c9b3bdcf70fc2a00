#!/usr/bin/env python3
"""Kill -9 durability harness: `hues serve --demo` is killed with SIGKILL at random moments while clients write
concurrently (field reports with idempotency keys, dossiers, invoices paid through the demo bank, token grants),
restarted, and checked: every acknowledged write is there, a retried idempotency key gets the stored answer, nothing
is half-applied (every report, dossier and case has its event), the ledger balances and the event log's chain verifies.

    Benchmarks/crash/crash_harness.py [--cycles 100] [--database postgres://…] [--binary PATH] [--seed N]

Without --database it runs on SQLite in a fresh data directory. Exit status 0 means every cycle held.
"""
import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from invariants import check_invariants  # noqa: E402

PASSWORDS = {"citizen": "demo-citizen-2026", "business": "demo-business-2026", "officer": "demo-officer-2026",
             "admin": "demo-admin-2026", "ioc": "demo-ioc-2026"}
BIRTH_FORM = {"childName": "Nguyễn Văn An", "childBirthDate": "2026-11-20", "sex": "Nam",
              "birthPlace": "Bệnh viện Trung ương Huế", "motherName": "Trần Thị Bình", "relationship": "Mẹ"}
# A one-page PDF and a PNG signature: what the birth registration's attachments check.
PDF = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
       b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n"
       b"107\n%%EOF\n")
PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])


class Lost(Exception):
    """The server went away mid-request: the write is unacknowledged, so it may or may not have happened."""


def call(base, method, path, token=None, body=None, headers=None, timeout=15):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout, OSError) as error:
        raise Lost(str(error))


class Server:
    def __init__(self, binary, data, database):
        self.binary, self.data, self.database = binary, data, database
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = "http://127.0.0.1:%d" % self.port
        self.process = None

    def env(self):
        env = dict(os.environ, HUES_DATA_DIR=self.data, HUES_PORT=str(self.port), HUES_PUBLIC_URL=self.base,
                   HUES_PASSWORD_HASH_COST="6", HUES_LOG_LEVEL="warning", HUES_SIGN_IN_RATE_LIMIT="100000")
        env.pop("HUES_DATABASE_URL", None)
        if self.database:
            env["HUES_DATABASE_URL"] = self.database
        return env

    def start(self):
        log = open(os.path.join(self.data, "server.log"), "a")
        self.process = subprocess.Popen([self.binary, "serve", "--demo"], env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited on start:\n" + open(os.path.join(self.data, "server.log")).read()[-3000:])
            try:
                if call(self.base, "GET", "/health", timeout=2)[0] == 200:
                    return
            except Lost:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not become ready")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)

    def cli(self, *arguments):
        return subprocess.run([self.binary, *arguments], env=self.env(), capture_output=True, text=True, timeout=300)


class Ledger:
    """What the clients were told, and what they sent without hearing back."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reports = {}        # idempotency key -> (body, code)
        self.unanswered = {}     # idempotency key -> body, for reports sent when the server died
        self.dossiers = []
        self.invoices = []       # (id, paid)
        self.refresh_tokens = []
        self.acknowledged = 0
        self.in_flight_at_kill = 0
        # How many of each list were checked after an earlier restart: those are sampled, the new ones all checked.
        self.checked = {"reports": 0, "dossiers": 0, "invoices": 0}

    def note(self, kind, value):
        with self.lock:
            self.acknowledged += 1
            if kind == "report":
                key, body, code = value
                self.reports[key] = (body, code)
                self.unanswered.pop(key, None)
            elif kind == "dossier":
                self.dossiers.append(value)
            elif kind == "invoice":
                self.invoices.append(value)
            elif kind == "token":
                self.refresh_tokens.append(value)


def file_report(base, tokens, ledger, rng):
    key = "crash-%016x" % rng.getrandbits(64)
    # Spread over the city so reports are cases of their own, not duplicates of each other.
    body = {"category": rng.choice(["garbage", "road-damage", "street-light"]), "latitude": 16.45 + rng.random() * 0.03,
            "longitude": 107.56 + rng.random() * 0.04, "description": "Phản ánh kiểm thử độ bền", "answers": {}, "photos": [],
            # Taken by the operations centre's hotline: a citizen's own filings are limited to ten in ten minutes.
            "channel": "hotline", "reporterName": "Người gọi đường dây nóng"}
    with ledger.lock:
        ledger.unanswered[key] = body
    status, answer = call(base, "POST", "/api/v1/field-reports", tokens["ioc"], body, {"Idempotency-Key": key})
    if status == 201:
        ledger.note("report", (key, body, answer["code"]))
    elif status != 422:  # a point outside the city's wards is refused, which is fine
        raise AssertionError("filing a report answered %d: %s" % (status, answer))


def file_dossier(base, tokens, ledger, rng):
    import base64
    attachments = [{"document": "to-khai", "fileName": "to-khai.pdf", "content": base64.b64encode(PDF).decode()},
                   {"document": "giay-chung-sinh", "fileName": "gcs.png", "content": base64.b64encode(PNG).decode()}]
    body = {"procedure": "1.001193", "competentUnit": "phuong-phu-xuan", "applicant": {"phone": "0905123456"},
            "form": BIRTH_FORM, "attachments": attachments}
    status, answer = call(base, "POST", "/api/v1/dossiers", tokens["citizen"], body)
    if status != 201:
        raise AssertionError("filing a dossier answered %d: %s" % (status, answer))
    ledger.note("dossier", answer["code"])


def pay_invoice(base, tokens, ledger, rng):
    me = tokens["citizen-id"]
    status, invoice = call(base, "POST", "/api/v1/payments/invoices", tokens["officer"], {
        "unit": "phuong-phu-xuan", "payer": {"accountId": me, "name": "Nguyễn Thị Hoa"}, "kind": "bill",
        "description": "Phí kiểm thử", "amount": rng.randrange(10, 500) * 1000, "dueDate": "2099-01-01"})
    if status != 201:
        raise AssertionError("issuing an invoice answered %d: %s" % (status, invoice))
    ledger.note("invoice", (invoice["id"], False))
    status, intent = call(base, "POST", "/api/v1/payments/intents", tokens["citizen"], {"invoice": invoice["reference"]})
    if status != 201:
        raise AssertionError("a payment intent answered %d: %s" % (status, intent))
    status, paid = call(base, "POST", "/api/v1/bank-simulator/payments?wait=true", tokens["citizen"],
                        {"payload": intent["vietQR"], "duplicates": rng.randrange(0, 3)})
    if status != 202:
        raise AssertionError("the demo bank answered %d: %s" % (status, paid))
    ledger.note("invoice", (invoice["id"], True))


def grant_token(base, tokens, ledger, rng):
    status, answer = call(base, "POST", "/api/v1/auth/token", None, {"username": "business", "password": PASSWORDS["business"]})
    if status != 200:
        raise AssertionError("a token grant answered %d: %s" % (status, answer))
    ledger.note("token", answer["refresh_token"])


def sign_in(base):
    tokens = {}
    for user in ("citizen", "officer", "admin", "ioc"):
        status, answer = call(base, "POST", "/api/v1/auth/token", None, {"username": user, "password": PASSWORDS[user]})
        assert status == 200, answer
        tokens[user] = answer["access_token"]
    tokens["citizen-id"] = call(base, "GET", "/api/v1/me", tokens["citizen"])[1]["id"]
    return tokens


def writer(base, tokens, ledger, rng, stop, failures):
    actions = [file_report, file_report, file_dossier, pay_invoice, grant_token]
    while not stop.is_set():
        try:
            rng.choice(actions)(base, tokens, ledger, rng)
        except Lost:
            return
        except Exception as error:  # noqa: BLE001 - any other failure is the harness's finding
            failures.append(repr(error))
            return


def to_check(ledger, name, items, rng, everything):
    """Every write acknowledged since the last check, and a sample of 200 older ones (all of them when `everything`)."""
    old, new = items[:ledger.checked[name]], items[ledger.checked[name]:]
    ledger.checked[name] = len(items)
    return old + new if everything else rng.sample(old, min(200, len(old))) + new


def verify(server, ledger, rng, everything=False):
    """Everything acknowledged is there; retried keys get their stored answer; the books and the chain hold."""
    base = server.base
    tokens = sign_in(base)
    problems = []
    for key, (body, code) in to_check(ledger, "reports", list(ledger.reports.items()), rng, everything):
        status, answer = call(base, "GET", "/api/v1/field-reports/" + code, tokens["ioc"])
        if status != 200:
            problems.append("acknowledged report %s answered %d" % (code, status))
    for key in rng.sample(sorted(ledger.reports), min(5, len(ledger.reports))):
        body, code = ledger.reports[key]
        status, answer = call(base, "POST", "/api/v1/field-reports", tokens["ioc"], body, {"Idempotency-Key": key})
        if status not in (200, 201) or answer.get("code") != code:
            problems.append("retrying acknowledged key %s gave %d %s, not %s" % (key, status, answer, code))
    # Reports sent when the server died: the retry files them once, and a second retry gives the same answer.
    ledger.in_flight_at_kill += len(ledger.unanswered)
    for key, body in list(ledger.unanswered.items()):
        first = call(base, "POST", "/api/v1/field-reports", tokens["ioc"], body, {"Idempotency-Key": key})
        second = call(base, "POST", "/api/v1/field-reports", tokens["ioc"], body, {"Idempotency-Key": key})
        if first[0] in (200, 201) and second[0] in (200, 201) and first[1]["code"] == second[1]["code"]:
            ledger.note("report", (key, body, first[1]["code"]))
        elif first[0] != 422:
            problems.append("retrying unanswered key %s gave %s then %s" % (key, first, second))
    ledger.unanswered.clear()
    for code in to_check(ledger, "dossiers", list(ledger.dossiers), rng, everything):
        status, _ = call(base, "GET", "/api/v1/dossiers/" + code, tokens["citizen"])
        if status != 200:
            problems.append("acknowledged dossier %s answered %d" % (code, status))
    paid = {invoice for invoice, was_paid in ledger.invoices if was_paid}
    for invoice in to_check(ledger, "invoices", list(dict.fromkeys(invoice for invoice, _ in ledger.invoices)), rng, everything):
        status, answer = call(base, "GET", "/api/v1/payments/invoices/" + invoice, tokens["citizen"])
        if status != 200 or (invoice in paid and answer.get("state") != "paid"):
            problems.append("acknowledged invoice %s answered %d %s" % (invoice, status, answer and answer.get("state")))
    for refresh in rng.sample(ledger.refresh_tokens, min(5, len(ledger.refresh_tokens))):
        ledger.refresh_tokens.remove(refresh)
        status, answer = call(base, "POST", "/api/v1/auth/refresh", None, {"refresh_token": refresh})
        if status != 200:
            problems.append("an acknowledged refresh token answered %d %s" % (status, answer))
    status, chain = call(base, "GET", "/api/v1/audit/verify", tokens["admin"], timeout=120)
    if status != 200 or not chain.get("intact"):
        problems.append("the event log does not verify: %s" % chain)
    status, books = call(base, "GET", "/api/v1/payments/ledger/trial-balance", tokens["admin"], timeout=120)
    if status != 200 or books.get("total") != 0 or books.get("unbalancedTransactions") != 0 or not books.get("balancesAgree"):
        problems.append("the ledger does not balance: %s" % books)
    problems += check_invariants(server.data, server.database)
    return problems


def cycle(server, ledger, rng, clients):
    tokens = sign_in(server.base)
    stop, failures, threads = threading.Event(), [], []
    for n in range(clients):
        thread = threading.Thread(target=writer, args=(server.base, tokens, ledger, random.Random(rng.getrandbits(64)), stop, failures))
        thread.start()
        threads.append(thread)
    time.sleep(rng.uniform(0.3, 2.5))
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    server.start()
    return failures + verify(server, ledger, rng)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--database", help="a PostgreSQL URL (an empty database); SQLite when absent")
    parser.add_argument("--binary", default=os.environ.get("HUES_BIN"))
    parser.add_argument("--seed", type=int, default=int(time.time()))
    arguments = parser.parse_args()
    if not arguments.binary:
        root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        arguments.binary = os.path.join(subprocess.run(["swift", "build", "--show-bin-path"], cwd=root, check=True,
                                                       capture_output=True, text=True).stdout.strip(), "hues")
    problems = run(arguments.binary, arguments.cycles, arguments.clients, arguments.database, arguments.seed)
    for problem in problems:
        print("FAIL", problem)
    sys.exit(1 if problems else 0)


def run(binary, cycles, clients=6, database=None, seed=0, log=print):
    rng = random.Random(seed)
    data = tempfile.mkdtemp(prefix="hues-crash-")
    server = Server(binary, data, database)
    ledger = Ledger()
    started = time.time()
    server.start()
    try:
        for number in range(1, cycles + 1):
            problems = cycle(server, ledger, rng, clients)
            log("cycle %d/%d: %d writes acknowledged so far, %d reports, %d dossiers, %d invoices%s" % (
                number, cycles, ledger.acknowledged, len(ledger.reports), len(ledger.dossiers), len({i for i, _ in ledger.invoices}),
                "" if not problems else ", %d PROBLEMS" % len(problems)))
            if problems:
                log("seed %d, data in %s" % (seed, data))
                return problems
        # The last restart: every write acknowledged in the whole run, not a sample.
        problems = verify(server, ledger, rng, everything=True)
        if problems:
            return problems
    finally:
        if server.process and server.process.poll() is None:
            server.stop()
    offline = [server.cli("audit", "verify"), server.cli("payments", "trial-balance")]
    problems = ["`hues %s` failed: %s" % (name, result.stdout + result.stderr)
                for name, result in zip(["audit verify", "payments trial-balance"], offline) if result.returncode != 0]
    log("%d cycles in %.0f s, %d acknowledged writes, all present; %d reports in flight at a kill, retried by key" % (
        cycles, time.time() - started, ledger.acknowledged, ledger.in_flight_at_kill))
    return problems


if __name__ == "__main__":
    main()
