"""Field reports against a live server: the PyPI Open311 client `georeport` reads services, definitions and requests
in JSON and XML; a plain HTTP client posts with an admin-issued api_key; and headless Chromium takes a report with a
real phone-style photo from filing through verification and handling to the citizen's rating."""
import io
import os
import tempfile
from fractions import Fraction

import requests
from georeport import GeoReport
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import screenshot, sign_in_as

PASSWORDS = {"citizen": "demo-citizen-2026", "officer": "demo-officer-2026", "ioc": "demo-ioc-2026", "admin": "demo-admin-2026"}


def api_token(server, username):
    response = requests.post(server + "/api/v1/auth/token", json={"username": username, "password": PASSWORDS[username]}, timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]


def issue_key(server):
    response = requests.post(server + "/api/v1/open311/clients", json={"name": "Ứng dụng đối tác"},
                             headers={"Authorization": "Bearer " + api_token(server, "admin")}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["apiKey"]


def phone_photo(latitude=16.4698, longitude=107.5790):
    """A real JPEG with the EXIF a phone writes: GPS, camera owner, orientation."""
    image = Image.new("RGB", (640, 480), (120, 140, 90))
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0xA430] = "Nguyen Thi Hoa"

    def dms(value):
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = Fraction(round(((value - degrees) * 60 - minutes) * 60 * 100), 100)
        return (Fraction(degrees), Fraction(minutes), seconds)

    exif[0x8825] = {1: "N", 2: dms(latitude), 3: "E", 4: dms(longitude)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_georeport_client_reads_what_a_partner_posts(server):
    key = issue_key(server)
    base = server + "/open311/v2"
    for fmt in ("json", "xml"):
        client = GeoReport(base, jurisdiction="hue.gov.vn", api_key=key, output_format=fmt)
        services = client.get_service_list()
        assert any(service["service_code"] == "road-damage" for service in services)
        definition = client.get_service_definition("road-damage")
        attributes = definition["attributes"]
        attribute = attributes[0] if fmt == "json" else attributes["attribute"][0]
        assert attribute["code"] == "size"

    posted = requests.post(base + "/requests.json", data={
        "api_key": key, "jurisdiction_id": "hue.gov.vn", "service_code": "road-damage", "lat": "16.4712", "long": "107.5795",
        "description": "Ổ gà sâu trước số 12 Lê Huân", "attribute[size]": "large", "first_name": "Lan", "email": "lan@example.vn",
        "device_id": "partner-app-1",
    }, files={"media": ("photo.jpg", phone_photo(), "image/jpeg")}, timeout=10)
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]

    for fmt in ("json", "xml"):
        client = GeoReport(base, jurisdiction="hue.gov.vn", output_format=fmt)
        found = client.get_service_requests(service_request_id=request_id)
        found = found if isinstance(found, list) else [found]
        assert found[0]["service_request_id"] == request_id
        one = client.get_service_request(request_id)
        one = one[0] if isinstance(one, list) else one
        assert one["status"] == "open"
        assert one["service_code"] == "road-damage"
        assert one["media_url"].startswith(server + "/api/v1/field-reports/")
        listed = client.get_service_requests(service_code="road-damage", status="open")
        listed = listed if isinstance(listed, list) else [listed]
        assert request_id in [item["service_request_id"] for item in listed]

    # The published photo has lost the owner's name and the GPS.
    media = requests.get(one["media_url"], timeout=10).content
    assert b"Nguyen Thi Hoa" not in media
    assert Image.open(io.BytesIO(media)).getexif().get_ifd(0x8825) == {}

    # Errors in the spec's format.
    forged = requests.post(base + "/requests.json", data={"api_key": "o311_forged", "service_code": "garbage", "lat": "16.47", "long": "107.58",
                                                         "description": "x"}, timeout=10)
    assert forged.status_code == 403 and forged.json()[0]["code"] == 403
    outside = requests.post(base + "/requests.xml", data={"api_key": key, "service_code": "garbage", "lat": "21.0285", "long": "105.8542",
                                                         "description": "Hà Nội"}, timeout=10)
    assert outside.status_code == 400 and b"<errors><error><code>400</code>" in outside.content


def sign_in(browser, server, username):
    sign_in_as(browser, server, username, PASSWORDS[username])


def act(browser, action, fill=None):
    form = browser.find_element(By.ID, "action-" + action)
    if fill:
        fill(form)
    form.find_element(By.ID, "do-" + action).click()
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "report-state")))
    assert not browser.find_elements(By.ID, "action-error"), browser.find_element(By.ID, "action-error").text


def test_a_report_from_filing_to_rating_in_the_browser(server, browser):
    wait = WebDriverWait(browser, 30)
    folder = tempfile.mkdtemp(prefix="hues-photos-")
    photo = os.path.join(folder, "o-ga.jpg")
    with open(photo, "wb") as f:
        f.write(phone_photo())

    sign_in(browser, server, "citizen")
    browser.get(server + "/reports/new")
    browser.find_element(By.CSS_SELECTOR, "a[href='/reports/new?category=road-damage']").click()
    wait.until(EC.presence_of_element_located((By.ID, "report-form")))
    browser.find_element(By.ID, "description").send_keys("Ổ gà lớn trước cổng trường Quốc Học")
    # No position typed: the photo's GPS places the report.
    Select(browser.find_element(By.ID, "answer-size")).select_by_value("large")
    browser.find_element(By.ID, "photos").send_keys(photo)
    browser.find_element(By.ID, "submit-report").click()
    wait.until(EC.presence_of_element_located((By.ID, "report-code")))
    code = browser.find_element(By.ID, "report-code").text
    assert code.startswith("PA-")
    assert browser.find_element(By.ID, "report-state").text.startswith("Chờ xác minh")
    image = browser.find_element(By.CSS_SELECTOR, ".photos img")
    screenshot(browser, "report-filed")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 640

    # The operations centre verifies it; routing sends it to the ward whose area holds the photo's position.
    sign_in(browser, server, "ioc")
    browser.get(server + "/ioc/reports")
    browser.find_element(By.CSS_SELECTOR, f"#verification-queue a[href='/reports/{code}']").click()
    wait.until(EC.presence_of_element_located((By.ID, "action-accept")))
    assert "Nguyễn Thị Hoa" in browser.find_element(By.ID, "report-reporter").text
    act(browser, "accept")
    assert browser.find_element(By.ID, "report-unit").text == "Phường Phú Xuân"

    # The ward's officer takes it and reports the result with a photo.
    sign_in(browser, server, "officer")
    browser.get(server + "/unit/reports?filter=unassigned")
    browser.find_element(By.CSS_SELECTOR, f"#unit-queue a[href='/reports/{code}']").click()
    act(browser, "claim")
    act(browser, "resolve", lambda form: (form.find_element(By.NAME, "note").send_keys("Đã vá ổ gà, thông xe."),
                                          form.find_element(By.NAME, "photos").send_keys(photo)))
    assert browser.find_element(By.ID, "report-result").is_displayed()
    screenshot(browser, "report-resolved-officer")

    # The citizen rates it; the public page shows the result and the rating, never the reporter.
    sign_in(browser, server, "citizen")
    browser.get(server + "/reports/" + code)
    Select(browser.find_element(By.ID, "stars")).select_by_value("5")
    browser.find_element(By.ID, "rate").click()
    # Waits out the redirect after the rating (an element of the page being left would go stale under us).
    wait.until(EC.text_to_be_present_in_element((By.ID, "report-rating"), "5/5"))
    browser.delete_all_cookies()
    browser.get(server + "/reports/" + code)
    assert browser.find_element(By.ID, "report-state").text.startswith("Đã đóng")
    assert not browser.find_elements(By.ID, "report-reporter")
    screenshot(browser, "report-public-result")
    browser.get(server + "/reports")
    # The public map (Leaflet, fed by the map feed) draws the city's reports.
    wait.until(lambda b: int(b.find_element(By.ID, "report-map").get_attribute("data-features") or 0) > 0)
    assert browser.find_elements(By.CSS_SELECTOR, "#report-map path.leaflet-interactive")
