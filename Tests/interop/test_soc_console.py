"""The SOC's console in headless Chromium against `hues serve --demo`: an analyst finds an incident that a unit's
machine raised through the API a moment ago, acknowledges, assigns, notes and closes it with the page's own forms,
finds its event and rule, and reads the month's report as charts; a ward's leader sees their own computers (the
stale one marked) and incidents, with nothing to act on; in Vietnamese and in English."""
import json
import time

import requests
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import overflow, screenshot
from test_dossier_flow import PASSWORDS, sign_in
from test_ioc_screens import api_token

PASSWORDS.update({"soc": "demo-soc-2026", "leader": "demo-leader-2026"})


def send_mimikatz(server, host):
    """A ward's antivirus console reports a password dumper on `host`, with the ward's own key."""
    soc = {"Authorization": "Bearer " + api_token(server, "soc")}
    made = requests.post(server + "/api/v1/security/ingest-keys", headers=soc, timeout=10,
                         json={"unit": "phuong-phu-xuan", "label": "chromium walk"})
    assert made.status_code == 201, made.text
    line = json.dumps({"@timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "host.name": host,
                       "event.category": "process", "Image": "C:\\Users\\Public\\m.exe",
                       "CommandLine": 'mimikatz.exe "sekurlsa::logonpasswords" exit'})
    sent = requests.post(server + "/api/v1/security/events", data=line.encode(), timeout=10,
                         headers={"X-HueS-Ingest-Key": made.json()["key"], "Content-Type": "application/x-ndjson"})
    assert sent.status_code == 202 and sent.json()["alerts"] == 1, sent.text


def wait(browser, condition):
    """Waits for `condition` across a form's reload: an element read as the old page goes is stale, not an answer.
    Chromedriver says so either as a stale element or, when the page went between finding and reading the element,
    as an "unknown error" that the node "does not belong to the document"."""
    def settled(b):
        try:
            return condition(b)
        except StaleElementReferenceException:
            return False
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return False
            raise
    WebDriverWait(browser, 30).until(settled)


def state(browser):
    # One script reads the page as it is: an element found on the page a form is leaving, read once the next one has
    # come, is gone ("does not belong to the document") rather than an answer.
    return browser.execute_script("return document.getElementById('soc-incident-state')?.dataset.state ?? null")


def test_an_analyst_handles_an_incident_that_arrived_over_the_api(server, browser):
    host = f"pc-walk-{getattr(browser, 'hues_size', 'desktop')}-{int(time.time())}"
    send_mimikatz(server, host)
    sign_in(browser, server, "soc")
    browser.get(server + "/soc")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Trung tâm giám sát an toàn thông tin"
    row = browser.find_element(By.XPATH, f"//table[@id='soc-queue']//tr[contains(., '{host}')]")
    assert "Phú Xuân" in row.text and "cao" in row.text
    row.find_element(By.TAG_NAME, "a").click()
    wait(browser, lambda b: b.find_elements(By.ID, "soc-incident-state"))
    assert state(browser) == "open"

    browser.find_element(By.CSS_SELECTOR, "#soc-acknowledge button").click()
    wait(browser, lambda b: state(b) == "acknowledged")
    browser.find_element(By.ID, "soc-assignee-input").send_keys("soc")
    browser.find_element(By.CSS_SELECTOR, "#soc-assign button").click()
    wait(browser, lambda b: b.find_element(By.ID, "soc-assignee").text == "Hoàng Minh Tuấn")
    browser.find_element(By.ID, "soc-note-body").send_keys("Máy đã cách ly khỏi mạng của phường.")
    browser.find_element(By.CSS_SELECTOR, "#soc-note button").click()
    wait(browser, lambda b: "cách ly" in b.find_element(By.ID, "soc-notes").text)
    browser.find_element(By.ID, "soc-reason").send_keys("Cài lại máy, đổi mật khẩu các tài khoản")
    browser.find_element(By.CSS_SELECTOR, "#soc-close button").click()
    wait(browser, lambda b: state(b) == "closed")
    assert browser.find_element(By.ID, "soc-close-reason").text == "Cài lại máy, đổi mật khẩu các tài khoản"
    assert not browser.find_elements(By.ID, "soc-close"), "a closed incident offers no more steps"
    screenshot(browser, "soc-incident")

    # The event, found by its computer, with the line as the ward sent it.
    browser.get(server + "/soc/events")
    # Enter in the field submits the search (on the emulated phone a tap on the button below the fields missed it).
    browser.find_element(By.ID, "soc-filter-host").send_keys(host + Keys.ENTER)
    # The page already lists the newest events before the search: wait for the searched page.
    wait(browser, lambda b: "host=" + host in b.current_url and b.find_elements(By.CSS_SELECTOR, "#soc-events [data-event]"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#soc-events [data-event]")
    assert len(rows) == 1
    # Opened from the keyboard (a tap far down a long page misses on the emulated phone, as the search's button did).
    rows[0].find_element(By.TAG_NAME, "summary").send_keys(Keys.ENTER)
    assert "sekurlsa::logonpasswords" in rows[0].find_element(By.TAG_NAME, "pre").text

    # The rule counted its hits (the demo's own and this one).
    browser.get(server + "/soc/rules")
    hits = browser.find_element(By.CSS_SELECTOR, '[data-rule="a642964e-bead-4bed-8910-1bb4d63e3b4d"] [data-hits]').text
    assert int(hits) >= 2

    # The month as charts: a bar per category with its count, fitting a phone's screen.
    browser.get(server + "/soc/reports")
    bars = browser.find_elements(By.CSS_SELECTOR, "#soc-chart-category .soc-bar")
    assert len(bars) >= 1
    assert all(int(bar.find_element(By.CSS_SELECTOR, "[data-count]").text) > 0 for bar in bars)
    assert int(browser.find_element(By.ID, "soc-blocked").text) == sum(int(b.find_element(By.CSS_SELECTOR, "[data-count]").text) for b in bars)
    assert overflow(browser) == 0, "the report fits the screen"
    screenshot(browser, "soc-report")

    browser.get(server + "/lang/en")
    browser.get(server + "/soc/reports")
    assert browser.find_element(By.ID, "soc-by-category").text == "By category"
    browser.get(server + "/soc")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Security operations centre"


def test_a_ward_leader_sees_their_own_machines_and_incidents(server, browser):
    sign_in(browser, server, "leader")
    browser.get(server + "/soc/unit")
    assert "Phú Xuân" in browser.find_element(By.TAG_NAME, "h1").text
    machines = browser.find_element(By.ID, "soc-machines").text
    assert "pc-ppx-001" in machines or "pc-ppx-002" in machines
    stale = browser.find_elements(By.CSS_SELECTOR, "#soc-machines tr.soc-stale")
    assert [row.get_attribute("data-host") for row in stale] == ["pc-ppx-099"]
    incidents = browser.find_element(By.ID, "soc-unit-incidents").text
    assert "pc-ward-kt-02" in incidents
    # Another unit's computers are not there, whatever the address asks.
    browser.get(server + "/soc/unit?unit=so-tai-chinh")
    assert "pc-stc-" not in browser.find_element(By.TAG_NAME, "main").text
    browser.find_element(By.CSS_SELECTOR, "#soc-unit-incidents a").click()
    wait(browser, lambda b: b.find_elements(By.ID, "soc-incident-state"))
    assert not browser.find_elements(By.ID, "soc-close") and not browser.find_elements(By.ID, "soc-acknowledge")
    assert overflow(browser) == 0
    screenshot(browser, "soc-unit-incident")
