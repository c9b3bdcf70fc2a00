"""The operations centre's screens in headless Chromium against `hues serve --demo`: the dark wall screen shows a
report filed through the API within moments and without a reload (the live stream, then the figures), the operator
view draws the units' map and the sensors' last day, and shows the alert a river gauge's reading raises; in Vietnamese
and in English."""
import datetime
import re
import time

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import overflow, screenshot
from test_dossier_flow import PASSWORDS, sign_in

PASSWORDS.update({"ioc": "demo-ioc-2026", "citizen": "demo-citizen-2026"})


def api_token(server, username):
    response = requests.post(server + "/api/v1/auth/token", json={"username": username, "password": PASSWORDS[username]}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def tile_number(browser, code):
    """The figure's value as the screen shows it, digits only (1.234 in Vietnamese is 1,234 in English)."""
    text = browser.find_element(By.CSS_SELECTOR, f'[data-figure="{code}"] [data-value]').text
    digits = re.sub(r"[^0-9]", "", text)
    return int(digits) if digits else None


def drawn(browser):
    return int(browser.find_element(By.CSS_SELECTOR, "[data-ioc-live]").get_attribute("data-draws") or "0")


def caught_up(server):
    """Waits until the figures have read the whole event log (a fresh demo server is still reading its history)."""
    deadline = time.time() + 60
    # Signed in, so the answer is never one the public cache kept.
    operator = {"Authorization": "Bearer " + api_token(server, "ioc")}
    while requests.get(server + "/api/v1/operations/indicators", headers=operator, timeout=10).json()["eventsBehind"] > 0:
        assert time.time() < deadline, "the live figures did not catch up with the event log within a minute"
        time.sleep(0.5)


def test_the_wall_shows_a_new_report_live_without_a_reload(server, browser):
    caught_up(server)
    sign_in(browser, server, "ioc")
    browser.get(server + "/ioc/wall")
    WebDriverWait(browser, 20).until(lambda b: drawn(b) >= 1)
    assert browser.execute_script("return getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)", "the wall is dark"
    size = browser.execute_script("return parseFloat(getComputedStyle(document.querySelector('.ioc-figure-value')).fontSize)")
    assert size >= 40, "figures are readable across a room"
    WebDriverWait(browser, 10).until(lambda b: b.find_element(By.CSS_SELECTOR, "[data-live-state]").text == "trực tiếp")
    before_reports = tile_number(browser, "field-reports.filed-today")
    before_open = tile_number(browser, "field-reports.open")
    browser.execute_script("window.huesStillHere = true")

    citizen = {"Authorization": "Bearer " + api_token(server, "citizen")}
    # Somewhere no other walk reports, so it is not taken for a duplicate of theirs and merged.
    latitude, longitude = {"desktop": (16.4518, 107.5969), "phone": (16.4399, 107.6102)}[browser.hues_size]
    filed = requests.post(server + "/api/v1/field-reports", headers=citizen, timeout=10, json={
        "category": "road-damage", "latitude": latitude, "longitude": longitude, "description": "Ổ gà sâu giữa làn xe máy",
        "answers": {"size": "large"}, "photos": []})
    assert filed.status_code == 201, filed.text

    WebDriverWait(browser, 15, poll_frequency=0.2).until(lambda b: tile_number(b, "field-reports.filed-today") == before_reports + 1)
    assert tile_number(browser, "field-reports.open") == before_open + 1
    assert browser.execute_script("return window.huesStillHere === true"), "the page changed in place, it was not reloaded"
    unit = filed.json()["unit"]
    count = browser.find_element(By.CSS_SELECTOR, f'[data-unit-count="{unit}"]') if browser.find_elements(By.CSS_SELECTOR, f'[data-unit-count="{unit}"]') else None
    if count is not None:
        assert int(re.sub(r"[^0-9]", "", count.text)) >= 1, "the report's unit shows it on the map"
    screenshot(browser, "ioc-wall")


def test_the_operator_view_draws_the_map_the_sensors_and_a_gauges_alert(server, browser):
    sign_in(browser, server, "ioc")
    browser.get(server + "/ioc")
    WebDriverWait(browser, 20).until(lambda b: drawn(b) >= 1)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Trung tâm giám sát, điều hành đô thị thông minh"
    assert len(browser.find_elements(By.CSS_SELECTOR, "g.ioc-unit path")) >= 10, "every ward with a boundary is drawn"
    panels = browser.find_elements(By.CSS_SELECTOR, ".ioc-panel")
    assert len(panels) >= 15, "the demo's fifteen stations each have a panel"
    demo = [p for p in panels if ":test-" not in p.get_attribute("data-entity")]
    assert len(demo) == 15
    assert all(p.find_element(By.TAG_NAME, "polyline").get_attribute("points").count(",") >= 12 for p in demo), "a day of readings as a sparkline"
    assert overflow(browser) == 0, "the operator view fits the screen"

    # A gauge of its own for each run (desktop, phone), with a rule that raises at once past 2 m.
    station = f"test-{browser.hues_size}"
    ioc = {"Authorization": "Bearer " + api_token(server, "ioc")}
    rule = requests.put(f"{server}/api/v1/operations/alert-rules/{station}", headers=ioc, timeout=10, json={
        "code": station, "name": {"vi": "Trạm thử vượt 2 m", "en": "Test gauge above 2 m"}, "severity": "warning",
        "entityType": "WaterLevelObserved", "entityPrefix": f"urn:ngsi-ld:WaterLevelObserved:{station}", "attribute": "waterLevel",
        "comparison": ">=", "threshold": 2.0, "sustainedMinutes": 0, "unit": "phuong-kim-long"})
    assert rule.status_code == 200, rule.text
    alerts = "[data-fragment='/ioc/fragments/alerts']"
    assert station not in browser.find_element(By.CSS_SELECTOR, alerts).text
    alerts_before = tile_number(browser, "operations.alerts-open") or 0
    # Its gateway sends a reading past the threshold: the alert list fills in without a reload, and the figure moves.
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sent = requests.post(server + "/ngsi-ld/v1/entityOperations/upsert?options=update", headers=ioc, timeout=10, json=[{
        "id": f"urn:ngsi-ld:WaterLevelObserved:{station}", "type": "WaterLevelObserved",
        "waterLevel": {"type": "Property", "value": 2.6, "observedAt": now, "unitCode": "MTR"}}])
    assert sent.status_code in (201, 204), sent.text
    WebDriverWait(browser, 30, poll_frequency=0.3).until(lambda b: station in b.find_element(By.CSS_SELECTOR, alerts).text)
    WebDriverWait(browser, 15).until(lambda b: (tile_number(b, "operations.alerts-open") or 0) == alerts_before + 1)
    screenshot(browser, "ioc-operator")

    browser.get(server + "/lang/en")
    browser.get(server + "/ioc")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Smart city operations centre"
    assert "Alerts" in browser.find_element(By.ID, "ioc-alerts-heading").text
