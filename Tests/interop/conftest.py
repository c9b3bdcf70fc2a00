"""A live `hues serve --demo` for interop tests: real clients against a real server on loopback."""
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

import shutil

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from selenium.webdriver.remote.webelement import WebElement

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# The live server's data directory (its master key), for CLI processes that act beside it.
SERVER = {}


def _binary():
    path = os.environ.get("HUES_BIN")
    if path:
        return path
    bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    return os.path.join(bin_dir, "hues")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    port = _free_port()
    data = tempfile.mkdtemp(prefix="hues-interop-")
    env = dict(os.environ, HUES_DATA_DIR=data, HUES_PORT=str(port), HUES_PUBLIC_URL=f"http://127.0.0.1:{port}",
               HUES_PASSWORD_HASH_COST="6", HUES_LOG_LEVEL="warning",
               # Every client of the suite signs in from the one loopback address, some 70 times in a few minutes (a
               # walk per role and screen size, a token per API test), against a default of 30 a minute with bursts
               # of 15: the suite's own pace can trip the limiter, and a refused sign-in stays on /login (the likely
               # cause of one CI failure, not reproduced). The limiter itself is tested in IdentitySecurityTests.
               HUES_SIGN_IN_RATE_LIMIT="1000",
               # The webhook test's subscriber listens on loopback, which the platform refuses unless an operator allows it.
               HUES_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
               # Likewise the web push test's push service (plain http is allowed on the networks named here only).
               HUES_PUSH_ALLOWED_NETWORKS="127.0.0.0/8")
    env.pop("HUES_DATABASE_URL", None)
    log = open(os.path.join(data, "server.log"), "w")
    process = subprocess.Popen([_binary(), "serve", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/health", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("hues serve --demo did not become healthy:\n" + open(os.path.join(data, "server.log")).read())
    SERVER.update(data=data, binary=_binary())
    yield base
    process.terminate()
    process.wait(timeout=20)


def _chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("Chromium is not installed (apt-get install chromium chromium-driver)")


# Screenshots of the walks, kept by CI as artefacts.
SHOTS = os.environ.get("HUES_SCREENSHOTS") or os.path.join(tempfile.gettempdir(), "hues-screenshots")
SIZES = {"desktop": (1200, 900, False), "phone": (360, 780, True)}


class ThumbElement(WebElement):
    """At phone size the task bar sits fixed at the bottom of the screen: a thumb scrolls a control to the middle of
    the screen before tapping it, and so does this element (chromedriver would tap whatever lies on top of it)."""

    def click(self):
        self._parent.execute_script("arguments[0].scrollIntoView({block: 'center'})", self)
        super().click()


@pytest.fixture(params=list(SIZES))
def browser(request):
    """A Vietnamese citizen's browser, once at desktop size and once as a 360 px touch phone: every walk runs in both."""
    width, height, mobile = SIZES[request.param]
    options = webdriver.ChromeOptions()
    options.binary_location = _chromium()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}", "--lang=vi-VN"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "vi-VN,vi"})
    # The Debian driver, never a downloaded one.
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    if mobile:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
        driver._web_element_cls = ThumbElement
    driver.hues_size = request.param
    driver.implicitly_wait(2)
    yield driver
    driver.quit()


def screenshot(driver, name):
    """Saves the screen as SHOTS/<size>-<name>.png."""
    os.makedirs(SHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SHOTS, f"{getattr(driver, 'hues_size', 'desktop')}-{name}.png"))


def sign_in_as(driver, server, username, password, clear_cookies=True):
    """Signs in through the login page and waits to leave it; a refusal fails with what the page said."""
    if clear_cookies:
        driver.delete_all_cookies()
    driver.get(server + "/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    try:
        WebDriverWait(driver, 30).until(lambda d: "/login" not in d.current_url)
    except TimeoutException:
        said = driver.execute_script("return document.getElementById('login-error')?.textContent ?? ''")
        pytest.fail(f"signing in as {username} stayed on the login page: {said.strip() or '(no message)'}")


def open_menu(driver):
    """On a phone the header's links fold behind the menu button: open it (nothing to do at desktop size)."""
    buttons = [b for b in driver.find_elements("id", "menu-button") if b.is_displayed()]
    if buttons and buttons[0].get_attribute("aria-expanded") != "true":
        buttons[0].click()


def overflow(driver):
    """How far the page reaches past the screen's right edge, in CSS pixels (0 when nothing sticks out)."""
    return driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
