"""A citizen files a birth registration through the real pages in headless Chromium (form, files), the ward's officer
and leader take it through the one-stop steps to return, and the citizen rates it; the public lookup follows along."""
import os
import re
import tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import screenshot, sign_in_as

PASSWORDS = {"citizen": "demo-citizen-2026", "officer": "demo-officer-2026", "leader": "demo-leader-2026"}


def sign_in(browser, server, username):
    sign_in_as(browser, server, username, PASSWORDS[username])


def act(browser, code, action, files=None):
    """Presses an action's button on the dossier page and waits for the page to come back."""
    form = browser.find_element(By.ID, "action-" + action)
    if files:
        form.find_element(By.NAME, "files").send_keys(files)
    form.find_element(By.ID, "do-" + action).click()
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.ID, "dossier-state")))
    assert not browser.find_elements(By.ID, "action-error"), browser.find_element(By.ID, "action-error").text


def state(browser):
    # One script reads the page as it is: an element found on the page a form is leaving, read once the next one has
    # come, is gone ("does not belong to the document") rather than an answer.
    return browser.execute_script("return document.getElementById('dossier-state')?.dataset.state ?? null")


def test_a_dossier_from_filing_to_rating(server, browser):
    wait = WebDriverWait(browser, 30)
    folder = tempfile.mkdtemp(prefix="hues-files-")
    pdf = os.path.join(folder, "to-khai.pdf")
    with open(pdf, "wb") as f:
        f.write(minimal_pdf())
    png = os.path.join(folder, "giay-chung-sinh.png")
    with open(png, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")

    # The citizen finds the procedure without typing diacritics and files it.
    sign_in(browser, server, "citizen")
    browser.get(server + "/procedures?q=khai+sinh")
    browser.find_element(By.CSS_SELECTOR, "a[href='/procedures/1.001193']").click()
    wait.until(EC.presence_of_element_located((By.ID, "file-form")))
    Select(browser.find_element(By.ID, "competentUnit")).select_by_value("phuong-phu-xuan")
    browser.find_element(By.ID, "f-childName").send_keys("Lê Gia Bảo")
    browser.execute_script("arguments[0].value = '2026-11-01'", browser.find_element(By.ID, "f-childBirthDate"))
    Select(browser.find_element(By.ID, "f-sex")).select_by_visible_text("Nam")
    browser.find_element(By.ID, "f-birthPlace").send_keys("Bệnh viện Trung ương Huế")
    browser.find_element(By.ID, "f-motherName").send_keys("Nguyễn Thị Hoa")
    Select(browser.find_element(By.ID, "f-relationship")).select_by_visible_text("Mẹ")
    browser.find_element(By.ID, "file-to-khai").send_keys(pdf)
    browser.find_element(By.ID, "file-giay-chung-sinh").send_keys(png)
    browser.find_element(By.ID, "file-submit").click()
    wait.until(EC.presence_of_element_located((By.ID, "filed")))
    code = browser.find_element(By.ID, "dossier-code").text
    assert re.fullmatch(r"\d{3}\.\d{2}\.\d{2}\.H57-\d{6}-\d{4}", code), code
    assert state(browser) == "submitted"
    screenshot(browser, "dossier-filed")

    # The ward's officer finds it in the queue and works it.
    sign_in(browser, server, "officer")
    browser.get(server + "/officer/dossiers")
    browser.find_element(By.LINK_TEXT, code).click()
    for action in ("receive", "claim", "submit-for-approval"):
        act(browser, code, action)
    assert state(browser) == "awaiting-approval"
    assert browser.find_element(By.ID, "promised").text

    # The leader approves, the result is issued with its file and returned.
    sign_in(browser, server, "leader")
    browser.get(server + "/dossiers/" + code)
    act(browser, code, "approve")
    act(browser, code, "issue-result", files=pdf)
    act(browser, code, "return-result")
    assert state(browser) == "returned"
    screenshot(browser, "dossier-returned-leader")

    # The citizen sees it returned and rates it; anyone can follow it by code without seeing who filed it.
    sign_in(browser, server, "citizen")
    browser.get(server + "/dossiers/" + code)
    browser.find_element(By.CSS_SELECTOR, "#rating-form input[value='5']").click()
    browser.find_element(By.ID, "rate-submit").click()
    assert "5/5" in wait.until(EC.presence_of_element_located((By.ID, "rated"))).text
    screenshot(browser, "dossier-rated")
    browser.delete_all_cookies()
    browser.get(server + "/lookup")
    browser.find_element(By.ID, "code").send_keys(code)
    browser.find_element(By.CSS_SELECTOR, "form.search button").click()
    result = wait.until(EC.presence_of_element_located((By.ID, "lookup-result")))
    assert "Đã trả kết quả" in result.text
    assert "Nguyễn Thị Hoa" not in browser.page_source
    screenshot(browser, "dossier-lookup")


def minimal_pdf():
    """A one-page PDF with a classic cross-reference table: results are signed, so they must be real PDFs."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out
