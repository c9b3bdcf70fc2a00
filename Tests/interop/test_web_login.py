"""A person signs in through the real login page in headless Chromium (desktop and phone size), sees their account,
switches language and signs out."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import open_menu, screenshot


def test_sign_in_through_the_page(server, browser):
    wait = WebDriverWait(browser, 30)
    browser.get(server + "/account")
    wait.until(EC.url_contains("/login"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"

    browser.find_element(By.ID, "username").send_keys("officer")
    browser.find_element(By.ID, "password").send_keys("wrong-password")
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    error = wait.until(EC.visibility_of_element_located((By.ID, "login-error")))
    assert "không đúng" in error.text

    browser.find_element(By.ID, "password").send_keys("demo-officer-2026")
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    wait.until(EC.url_to_be(server + "/account"))
    assert browser.find_element(By.ID, "account-name").text == "Trần Văn Minh"
    assert "Phường Phú Xuân" in browser.find_element(By.ID, "account-roles").text
    screenshot(browser, "account-vi")

    open_menu(browser)
    browser.find_element(By.LINK_TEXT, "English").click()
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My account"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    screenshot(browser, "account-en")

    open_menu(browser)
    browser.find_element(By.CSS_SELECTOR, "header form button").click()
    wait.until(EC.url_to_be(server + "/"))
    browser.get(server + "/account")
    wait.until(EC.url_contains("/login"))
