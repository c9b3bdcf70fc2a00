"""The platform as a phone app, in headless Chromium with a 360 px wide touch screen: every page fits without sideways
scrolling, the menu folds behind a button and the main tasks sit in a bottom bar; the site installs (manifest,
service worker); a report made with no signal is kept on the phone and arrives exactly once when the signal returns;
and axe-core finds no serious or critical accessibility problem on any page, at phone and desktop size.
Screenshots go to $HUES_SCREENSHOTS (default: a folder in the temporary directory) for CI to keep."""
import json
import os
import re
import shutil
import tempfile
import time
import uuid

import axe_core_python
import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import _chromium, overflow, sign_in_as

PASSWORDS = {"citizen": "demo-citizen-2026", "business": "demo-business-2026", "officer": "demo-officer-2026",
             "finance": "demo-finance-2026", "ioc": "demo-ioc-2026", "admin": "demo-admin-2026"}
PUBLIC_PAGES = ["/", "/procedures", "/reports", "/services", "/verify", "/login", "/lookup", "/offline", "/reports/new"]
CITIZEN_PAGES = ["/dossiers", "/payments", "/notices", "/account", "/reports/mine", "/reports/new"]
OFFICER_PAGES = ["/officer/dossiers", "/unit/reports", "/finance", "/account"]
SHOTS = os.environ.get("HUES_SCREENSHOTS") or os.path.join(tempfile.gettempdir(), "hues-screenshots")
AXE = open(os.path.join(os.path.dirname(axe_core_python.__file__), "axe.min.js"), encoding="utf-8").read()


def detail_pages(server):
    """One of each page that shows a single thing: a procedure, a public report, the citizen's dossier and invoice."""
    token = requests.post(server + "/api/v1/auth/token", json={"username": "citizen", "password": PASSWORDS["citizen"]}, timeout=10).json()["access_token"]
    auth = {"Authorization": "Bearer " + token}
    public = ["/procedures/1.001193"]
    reports = requests.get(server + "/api/v1/field-reports?page_size=1", timeout=10).json()
    if reports:
        public.append("/reports/" + reports[0]["code"])
    mine = []
    dossiers = requests.get(server + "/api/v1/dossiers", headers=auth, timeout=10).json()
    if dossiers:
        mine.append("/dossiers/" + dossiers[0]["code"])
    invoices = requests.get(server + "/api/v1/payments/invoices", headers=auth, timeout=10).json()
    if invoices:
        mine.append("/payments/invoices/" + invoices[0]["id"])
    return public, mine


def chrome(width, height, mobile):
    options = webdriver.ChromeOptions()
    options.binary_location = _chromium()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}", "--lang=vi-VN"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "vi-VN,vi"})
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": mobile})
    if mobile:
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    driver.implicitly_wait(2)
    return driver


@pytest.fixture()
def phone():
    driver = chrome(360, 780, True)
    yield driver
    driver.quit()


@pytest.fixture()
def desktop():
    driver = chrome(1280, 900, False)
    yield driver
    driver.quit()


def sign_in(driver, server, username):
    sign_in_as(driver, server, username, PASSWORDS[username], clear_cookies=False)


def sign_out(driver, server):
    driver.delete_all_cookies()
    driver.get(server + "/")


def shot(driver, name):
    os.makedirs(SHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))




def test_every_page_fits_a_phone_with_a_menu_button_and_a_task_bar(server, phone):
    too_wide = {}
    public, mine = detail_pages(server)
    assert len(public) == 2 and len(mine) == 2, (public, mine)
    for who, pages in ((None, PUBLIC_PAGES + public), ("citizen", CITIZEN_PAGES + mine), ("officer", OFFICER_PAGES), ("admin", ["/admin/status"])):
        if who:
            sign_in(phone, server, who)
        for path in pages:
            phone.get(server + path)
            if overflow(phone) > 0:
                too_wide[(who or "visitor", path)] = overflow(phone)
            shot(phone, f"phone-{who or 'visitor'}{path.replace('/', '_')}")
        sign_out(phone, server)
    assert too_wide == {}, f"pages wider than a 360 px phone (extra px): {too_wide}"

    sign_in(phone, server, "citizen")
    phone.get(server + "/")
    nav = phone.find_element(By.ID, "site-nav")
    button = phone.find_element(By.ID, "menu-button")
    assert not nav.is_displayed() and button.is_displayed()
    assert button.size["height"] >= 44 and button.size["width"] >= 44
    button.click()
    assert nav.is_displayed() and button.get_attribute("aria-expanded") == "true"
    links = nav.find_elements(By.CSS_SELECTOR, "li a")
    assert links and all(link.size["height"] >= 44 for link in links if link.is_displayed())
    tasks = phone.find_elements(By.CSS_SELECTOR, "nav.tasks a")
    assert [task.get_attribute("pathname") for task in tasks] == ["/reports/new", "/dossiers", "/payments", "/notices"]
    assert all(task.is_displayed() and task.size["height"] >= 44 for task in tasks)
    shot(phone, "phone-citizen-menu-open")


def test_the_site_installs_as_an_app(server, phone):
    manifest = requests.get(server + "/manifest.webmanifest", timeout=10)
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["display"] == "standalone" and body["start_url"] == "/"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in body["icons"]}
    for icon in body["icons"]:
        image = requests.get(server + icon["src"], timeout=10)
        assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert [shortcut["url"] for shortcut in body["shortcuts"]] == ["/reports/new", "/dossiers", "/payments", "/notices"]

    phone.get(server + "/")
    state = phone.execute_async_script(
        "var done = arguments[0]; navigator.serviceWorker.ready.then(function (r) { done(r.active ? r.active.state : 'none'); });")
    assert state in ("activated", "activating")
    href = phone.execute_script("return document.querySelector('link[rel=manifest]').href")
    assert href == server + "/manifest.webmanifest"


def tap(driver, element_id):
    """Scrolls the control to the middle of the screen, as a thumb would, and taps it (not under the task bar)."""
    element = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def queued(driver):
    return driver.execute_async_script("var done = arguments[0]; HuesReportQueue.pending().then(done, function () { done(-1); });")


def go_offline(driver, offline):
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def my_reports(server, username, marker):
    token = requests.post(server + "/api/v1/auth/token", json={"username": username, "password": PASSWORDS[username]}, timeout=10).json()["access_token"]
    reports = requests.get(server + "/api/v1/field-reports/mine?page_size=100", headers={"Authorization": "Bearer " + token}, timeout=10)
    reports.raise_for_status()
    return [report for report in reports.json() if marker in report["description"]]


def test_a_report_made_without_signal_arrives_once_when_the_signal_returns(server, phone):
    wait = WebDriverWait(phone, 20)
    sign_in(phone, server, "business")
    phone.get(server + "/reports/new")
    phone.get(server + "/reports/new?category=encroachment")
    wait.until(EC.presence_of_element_located((By.ID, "report-form")))
    # The worker controls the page once it is active and the page is loaded again.
    phone.execute_async_script("var done = arguments[0]; navigator.serviceWorker.ready.then(function () { done(); });")
    phone.refresh()
    wait.until(lambda d: d.execute_script("return !!(navigator.serviceWorker.controller && window.HuesReportQueue)"))
    form_url = phone.current_url

    go_offline(phone, True)
    wait.until(lambda d: d.execute_script("return navigator.onLine") is False)
    marker = "offline-" + uuid.uuid4().hex[:10]
    phone.find_element(By.ID, "description").send_keys(f"Quán lấn chiếm vỉa hè ({marker})")
    phone.find_element(By.ID, "latitude").send_keys("16.4637")
    phone.find_element(By.ID, "longitude").send_keys("107.5909")
    tap(phone, "submit-report")
    wait.until(EC.text_to_be_present_in_element((By.ID, "app-status"), "lưu trên máy"))
    assert phone.current_url == form_url, "the page stayed, no browser error page"
    assert queued(phone) == 1
    assert my_reports(server, "business", marker) == []
    shot(phone, "phone-report-kept-offline")

    # Without signal, a page opened before comes from the worker's copy or its offline page, never an error.
    phone.get(server + "/reports/new")
    assert phone.find_element(By.TAG_NAME, "h1").text

    go_offline(phone, False)
    phone.get(form_url)
    wait.until(lambda d: queued(d) == 0)
    # A second send of the same kept report (a flaky network, two tabs) must not file it again.
    phone.execute_script("window.dispatchEvent(new Event('online'));")
    time.sleep(1)
    filed = my_reports(server, "business", marker)
    assert len(filed) == 1, (filed, phone.find_element(By.ID, "app-status").text)
    assert filed[0]["code"] in phone.find_element(By.ID, "app-status").text
    shot(phone, "phone-report-sent")


def test_a_photo_the_server_would_refuse_is_refused_on_the_phone_before_it_is_kept(server, phone):
    wait = WebDriverWait(phone, 20)
    sign_in(phone, server, "business")
    phone.get(server + "/reports/new?category=encroachment")
    wait.until(lambda d: d.execute_script("return !!window.HuesReportQueue"))
    not_a_photo = os.path.join(tempfile.mkdtemp(), "notes.txt")
    with open(not_a_photo, "w") as handle:
        handle.write("not an image")
    go_offline(phone, True)
    wait.until(lambda d: d.execute_script("return navigator.onLine") is False)
    phone.find_element(By.ID, "description").send_keys("Ảnh sai định dạng")
    phone.execute_script("document.getElementById('photos').removeAttribute('accept')")
    phone.find_element(By.ID, "photos").send_keys(not_a_photo)
    tap(phone, "submit-report")
    wait.until(EC.text_to_be_present_in_element((By.ID, "app-status"), "JPEG, PNG"))
    assert queued(phone) == 0
    go_offline(phone, False)


def axe_problems(driver):
    driver.execute_script(AXE)
    result = driver.execute_async_script(
        "var done = arguments[0]; axe.run(document, {resultTypes: ['violations']}).then(function (r) { done(JSON.stringify(r.violations)); });")
    return [(v["id"], v["impact"], len(v["nodes"])) for v in json.loads(result) if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_axe_finds_no_serious_problem_on_any_page(server, size, request):
    driver = request.getfixturevalue(size)
    problems = {}
    public, mine = detail_pages(server)
    for who, pages in ((None, PUBLIC_PAGES + public), ("citizen", CITIZEN_PAGES + mine), ("officer", OFFICER_PAGES), ("finance", ["/finance"]),
                       ("ioc", ["/ioc/reports"]), ("admin", ["/admin/services", "/admin/status"])):
        if who:
            sign_in(driver, server, who)
        for path in pages:
            driver.get(server + path)
            found = axe_problems(driver)
            if found:
                problems[(who or "visitor", path)] = found
        sign_out(driver, server)
    assert problems == {}, json.dumps({f"{k[0]} {k[1]}": v for k, v in problems.items()}, ensure_ascii=False, indent=1)


def test_the_report_map_shows_wards_and_reports_without_a_tile_server_and_the_form_pin_fills_the_position(server, phone):
    """No tile server is reachable from CI: the map must still draw the wards and the reports from the feed."""
    wait = WebDriverWait(phone, 20)
    phone.get(server + "/reports")
    wait.until(lambda d: int(d.find_element(By.ID, "report-map").get_attribute("data-features") or 0) > 0)
    assert phone.find_elements(By.CSS_SELECTOR, "#report-map path.leaflet-interactive"), "the wards are drawn"
    assert overflow(phone) == 0
    shot(phone, "phone-report-map")

    # A report's own page and the operations centre's queue draw their points from the page itself.
    public, _ = detail_pages(server)
    phone.get(server + public[1])
    wait.until(lambda d: d.find_element(By.ID, "report-map").get_attribute("data-features") == "1")
    assert phone.find_elements(By.CSS_SELECTOR, "#report-map path.leaflet-interactive")
    sign_in(phone, server, "ioc")
    phone.get(server + "/ioc/reports")
    pending = int(phone.find_element(By.ID, "pending-count").text)
    wait.until(lambda d: d.find_element(By.ID, "report-map").get_attribute("data-features") is not None)
    assert int(phone.find_element(By.ID, "report-map").get_attribute("data-features")) <= pending
    sign_out(phone, server)
    sign_in(phone, server, "officer")
    phone.get(server + "/unit/reports")
    if not phone.find_elements(By.ID, "queue-empty"):
        rows = len(phone.find_elements(By.CSS_SELECTOR, "#unit-queue tbody tr"))
        wait.until(lambda d: d.find_element(By.ID, "report-map").get_attribute("data-features") is not None)
        assert 0 < int(phone.find_element(By.ID, "report-map").get_attribute("data-features")) <= rows
    sign_out(phone, server)

    sign_in(phone, server, "business")
    phone.get(server + "/reports/new?category=encroachment")
    area = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#form-map.leaflet-container")))
    phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", area)
    assert phone.find_element(By.ID, "latitude").get_attribute("value") == ""
    webdriver.ActionChains(phone).move_to_element_with_offset(area, 30, 20).click().perform()
    wait.until(lambda d: d.find_element(By.ID, "latitude").get_attribute("value") != "")
    latitude = float(phone.find_element(By.ID, "latitude").get_attribute("value"))
    longitude = float(phone.find_element(By.ID, "longitude").get_attribute("value"))
    assert 16.3 < latitude < 16.7 and 107.4 < longitude < 107.8
    shot(phone, "phone-report-form-pin")


def test_a_pushed_notice_is_shown_by_the_service_worker(server, phone):
    """Chromium delivers a push message (CDP stands in for the push service, which headless Chromium lacks) to the
    installed service worker, which shows it as a notification leading to the notice's page."""
    sign_in(phone, server, "citizen")
    phone.get(server + "/notices")
    phone.execute_async_script("var done = arguments[0]; navigator.serviceWorker.ready.then(function () { done(); });")
    phone.execute_cdp_cmd("Browser.grantPermissions", {"origin": server, "permissions": ["notifications"]})
    phone.get("chrome://serviceworker-internals/")
    registration = WebDriverWait(phone, 10).until(
        lambda d: re.search(r"Registration ID: (\d+)", d.find_element(By.TAG_NAME, "body").text))
    notice = {"id": str(uuid.uuid4()), "title": "Đã nhận hồ sơ 000.00.00.H57-261201-0001", "body": "Hồ sơ của bạn đã được nộp.",
              "link": "/dossiers/000.00.00.H57-261201-0001"}
    phone.execute_cdp_cmd("ServiceWorker.enable", {})
    phone.execute_cdp_cmd("ServiceWorker.deliverPushMessage",
                          {"origin": server + "/", "registrationId": registration.group(1), "data": json.dumps(notice)})
    phone.get(server + "/notices")
    script = """var done = arguments[0];
        navigator.serviceWorker.ready.then(function (r) { return r.getNotifications(); })
          .then(function (list) { done(list.map(function (n) { return [n.title, n.body, n.tag, n.data && n.data.link]; })); },
                function (error) { done(String(error)); });"""
    shown = WebDriverWait(phone, 10).until(lambda d: d.execute_async_script(script))
    assert shown == [[notice["title"], notice["body"], notice["id"], notice["link"]]], shown
    # The page offers the switch for this device (the browser can subscribe: service worker, Push API, permission),
    # one button at a time.
    assert phone.find_element(By.ID, "push").is_displayed()
    WebDriverWait(phone, 10).until(lambda d: d.find_element(By.ID, "push-state").text)
    assert phone.find_element(By.ID, "push-on").is_displayed() != phone.find_element(By.ID, "push-off").is_displayed()
    shot(phone, "phone-notices-push")
