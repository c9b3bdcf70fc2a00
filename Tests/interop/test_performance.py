"""Governing by data in headless Chromium (desktop and phone size) against `hues serve --demo`: a ward leader opens
their unit's page and sees the Decision 766 chart drawn from the demo's history, the operations centre ranks the
units and follows one to its page, and an officer sees their own Decree 335 score with the work behind it."""
import datetime

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import overflow, screenshot
from test_dossier_flow import PASSWORDS, sign_in

PASSWORDS.update({"ioc": "demo-ioc-2026"})


def recent_days():
    """The last 90 days, as the pages' period: the demo's history always lies in them, whatever the date."""
    today = datetime.date.today()
    return f"{today - datetime.timedelta(days=89)}..{today}"


def wait_for_figures(browser, url, element_id):
    """The projection follows the event log every few seconds: reload until the demo's history is counted."""
    def counted(b):
        b.get(url)
        text = b.find_element(By.ID, element_id).text.strip()
        return text not in ("", "0")
    WebDriverWait(browser, 60, poll_frequency=2).until(counted)


def test_a_leader_sees_the_unit_and_the_centre_ranks_the_units(server, browser):
    period = recent_days()
    sign_in(browser, server, "leader")
    wait_for_figures(browser, f"{server}/performance/unit?period={period}", "unit-points")
    bars = browser.find_elements(By.CSS_SELECTOR, "#scorecard-chart rect.bar")
    assert bars, "the scorecard chart draws a bar per indicator with data"
    assert browser.find_elements(By.CSS_SELECTOR, "#trend-chart circle"), "the trend has at least one month"
    assert browser.find_elements(By.CSS_SELECTOR, "#unit-people tbody tr"), "the unit's people are listed"
    assert "766-2.1" in browser.find_element(By.ID, "scorecard-lines").text
    screenshot(browser, "performance-unit")
    assert overflow(browser) == 0, "the charts fit the screen"

    sign_in(browser, server, "ioc")
    browser.get(f"{server}/performance/city?period={period}")
    ranked = browser.find_elements(By.CSS_SELECTOR, "#unit-ranking tbody a")
    assert ranked, "units with cases are ranked"
    assert browser.find_elements(By.CSS_SELECTOR, "#ranking-chart rect.bar")
    screenshot(browser, "performance-city")
    assert overflow(browser) == 0
    name = ranked[0].text
    ranked[0].click()
    WebDriverWait(browser, 30).until(lambda b: "/performance/unit" in b.current_url)
    assert name in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.ID, "unit-points").text.strip()


def test_an_officer_sees_their_own_score_and_the_work_behind_it(server, browser):
    sign_in(browser, server, "officer")
    browser.get(f"{server}/performance?period={recent_days()}")
    section = browser.find_element(By.ID, "score-phuong-phu-xuan")
    assert browser.find_element(By.ID, "grade-phuong-phu-xuan").text.strip()
    assert "/ 70" in browser.find_element(By.ID, "task-phuong-phu-xuan").text
    assert "25 %" in section.text, "the rule is written next to the numbers"
    screenshot(browser, "performance-mine")
    assert overflow(browser) == 0
