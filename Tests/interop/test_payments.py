"""Payments against a live demo server: the VietQR payload read by an independent decoder (PyPI vietnam-qr-pay) and
by zbarimg from the PNG, a citizen paying in headless Chromium while the page follows the bank, finance seeing the
money, and a webhook delivered over real HTTP to a subscriber that checks its HMAC signature."""
import hashlib
import hmac
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from vietnam_qr_pay import QRPay

from conftest import SERVER, overflow, screenshot
from test_dossier_flow import PASSWORDS, sign_in

PASSWORDS.update({"finance": "demo-finance-2026", "admin": "demo-admin-2026"})


def token(server, username):
    response = requests.post(server + "/api/v1/auth/token", json={"username": username, "password": PASSWORDS[username]}, timeout=10)
    response.raise_for_status()
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def test_the_vietqr_payload_reads_the_same_in_an_independent_decoder_and_from_the_png(server):
    citizen = token(server, "citizen")
    officer = token(server, "officer")
    me = requests.get(server + "/api/v1/me", headers=citizen, timeout=10).json()
    invoice = requests.post(server + "/api/v1/payments/invoices", headers=officer, timeout=10, json={
        "unit": "phuong-phu-xuan", "payer": {"accountId": me["id"], "name": "Nguyễn Thị Hoa"}, "kind": "bill",
        "description": "Phí trông giữ xe đạp tháng 12", "amount": 35000, "dueDate": "2099-01-01"}).json()
    intent = requests.post(server + "/api/v1/payments/intents", headers=dict(citizen, **{"Idempotency-Key": "interop-" + invoice["id"]}),
                           json={"invoice": invoice["reference"]}, timeout=10).json()
    qr = QRPay(intent["vietQR"])
    assert qr.is_valid
    assert qr.provider.guid == "A000000727"
    assert qr.consumer.bank_bin == "970436" and qr.consumer.bank_number == "0161001234567"
    assert qr.amount == "35000" and qr.currency == "704" and qr.nation == "VN"
    assert qr.additional_data.purpose == intent["reference"] + " " + invoice["reference"]
    # One changed character and the decoder refuses it.
    assert not QRPay(intent["vietQR"].replace("35000", "36000")).is_valid

    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is not installed (apt-get install zbar-tools)")
    png = requests.get(server + "/api/v1/payments/intents/%s/qr" % intent["id"], headers=citizen, timeout=10)
    assert png.headers["Content-Type"] == "image/png"
    path = os.path.join(tempfile.mkdtemp(prefix="hues-qr-"), "qr.png")
    with open(path, "wb") as f:
        f.write(png.content)
    scanned = subprocess.run(["zbarimg", "--raw", "-q", path], check=True, capture_output=True, text=True).stdout.strip()
    assert scanned == intent["vietQR"]


def issue_tuition(server):
    """The school issues the citizen a term's tuition (each walk, at each screen size, pays its own)."""
    invoice = {"unit": "so-giao-duc-dao-tao", "payer": {"username": "citizen", "name": "Nguyễn Thị Hoa"}, "kind": "tuition",
               "description": "Học phí học kỳ II năm học 2026–2027", "amount": 1200000, "dueDate": "2099-12-31"}
    response = requests.post(server + "/api/v1/payments/invoices", json=invoice, headers=token(server, "finance"), timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_citizen_pays_tuition_and_the_page_follows_the_bank(server, browser):
    citizen = token(server, "citizen")
    tuition = issue_tuition(server)
    sign_in(browser, server, "citizen")
    browser.get(server + "/payments")
    browser.find_element(By.CSS_SELECTOR, "a[href='/payments/invoices/%s']" % tuition["id"]).click()
    browser.find_element(By.ID, "pay-invoice").click()
    WebDriverWait(browser, 30).until(lambda b: "/payments/intents/" in b.current_url)
    assert browser.find_element(By.CSS_SELECTOR, "#payment-qr svg")
    assert "1.200.000" in browser.find_element(By.ID, "payment-amount").text
    intent_url = browser.current_url
    screenshot(browser, "pay-vietqr")
    assert overflow(browser) == 0, "the QR code fits the screen"
    # The demo bank answers a moment later; the page notices without the citizen reloading it.
    browser.find_element(By.ID, "demo-bank-pay").click()
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, "payment-done"))
    assert browser.current_url == intent_url
    assert browser.find_element(By.ID, "payment-state").get_attribute("class") == "state-success"
    paid = requests.get(server + "/api/v1/payments/invoices/" + tuition["id"], headers=citizen, timeout=10).json()
    assert paid["state"] == "paid" and paid["paidAmount"] == 1200000
    screenshot(browser, "pay-done")

    # Finance sees the money in the school's month.
    sign_in(browser, server, "finance")
    browser.get(server + "/finance?unit=so-giao-duc-dao-tao")
    assert any(ch.isdigit() and ch != "0" for ch in browser.find_element(By.ID, "finance-revenue").text)
    row = browser.find_element(By.XPATH, f"//*[@id='finance-invoices']//tr[contains(., '{tuition['reference']}')]")
    assert "1.200.000" in row.text


class _Receiver(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append((self.headers.get("Pay-Signature"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_subscribed_service_receives_signed_payment_webhooks(server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        admin = token(server, "admin")
        subscription = requests.post(server + "/api/v1/payments/webhooks", headers=admin, timeout=10, json={
            "service": "hue-s-app", "url": "http://127.0.0.1:%d/hooks" % port, "events": ["payment.succeeded"]})
        assert subscription.status_code == 201, subscription.text
        key = subscription.json()["signingKey"].encode()

        citizen = token(server, "citizen")
        officer = token(server, "officer")
        invoice = requests.post(server + "/api/v1/payments/invoices", headers=officer, timeout=10, json={
            "unit": "phuong-phu-xuan", "payer": {"name": "Hộ ông Trần Văn C"}, "kind": "bill",
            "description": "Phí thu gom rác tháng 12", "amount": 64000, "dueDate": "2099-01-01"}).json()
        # A bill without a payer account is paid by whoever presents the reference printed on it.
        intent = requests.post(server + "/api/v1/payments/intents", headers=citizen, json={"invoice": invoice["reference"]}, timeout=10).json()
        paid = requests.post(server + "/api/v1/bank-simulator/payments?wait=true", headers=citizen, timeout=10,
                             json={"payload": intent["vietQR"], "duplicates": 2, "outOfOrder": True})
        assert paid.status_code == 202, paid.text

        deadline = time.time() + 30
        while time.time() < deadline and not _Receiver.received:
            time.sleep(0.5)
        assert len(_Receiver.received) == 1, "exactly one webhook for one payment, despite the bank's duplicates"
        signature, body = _Receiver.received[0]
        assert signature == hmac.new(key, body, hashlib.sha256).hexdigest()
        event = json.loads(body)
        assert event["type"] == "payment.succeeded"
        assert event["data"]["invoice"]["reference"] == invoice["reference"]
        assert event["data"]["payment"]["state"] == "success"
        # The receiver hears the webhook before the sender has recorded its answer: the log says so moments later.
        url = server + "/api/v1/payments/webhooks/%s/deliveries" % subscription.json()["id"]
        deadline = time.time() + 10
        log = requests.get(url, headers=admin, timeout=10).json()
        while time.time() < deadline and [d["state"] for d in log] != ["successful"]:
            time.sleep(0.2)
            log = requests.get(url, headers=admin, timeout=10).json()
        assert [d["state"] for d in log] == ["successful"]
    finally:
        receiver.shutdown()


def test_the_bank_simulator_as_its_own_process_confirms_over_http(server):
    """`hues payments simulate-bank` is a separate process that pays a VietQR and posts its signed messages to the
    server over HTTP (twice, out of order), as a bank would."""
    citizen = token(server, "citizen")
    officer = token(server, "finance")  # finance issues for any unit
    invoice = requests.post(server + "/api/v1/payments/invoices", headers=officer, timeout=10, json={
        "unit": "so-xay-dung", "payer": {"name": "Công ty TNHH Sông Hương"}, "kind": "fee",
        "description": "Lệ phí cấp giấy phép xây dựng", "amount": 150000, "dueDate": "2099-01-01"}).json()
    intent = requests.post(server + "/api/v1/payments/intents", headers=citizen, json={"invoice": invoice["reference"]}, timeout=10).json()
    env = dict(os.environ, HUES_DATA_DIR=SERVER["data"], HUES_LOG_LEVEL="error")
    env.pop("HUES_DATABASE_URL", None)
    run = subprocess.run([SERVER["binary"], "payments", "simulate-bank", intent["vietQR"], "--url",
                          server + "/api/v1/payments/bank/confirmations", "--duplicates", "1", "--out-of-order"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("applied") == 1, run.stdout
    assert "duplicate" in run.stdout and "stale" in run.stdout
    paid = requests.get(server + "/api/v1/payments/invoices/" + invoice["id"], headers=officer, timeout=10).json()
    assert paid["state"] == "paid"
    # The same process with the wrong key is turned away.
    env["HUES_BANK_WEBHOOK_SECRET"] = "x" * 40
    forged = subprocess.run([SERVER["binary"], "payments", "simulate-bank", intent["vietQR"], "--url",
                             server + "/api/v1/payments/bank/confirmations"], env=env, capture_output=True, text=True, timeout=60)
    assert forged.returncode != 0 and "401" in forged.stdout + forged.stderr
