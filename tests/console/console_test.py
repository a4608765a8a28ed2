#!/usr/bin/env python3
"""Browser tests of the qblink console (issue 11).

Starts a real `qblink serve` on a loopback port with a database prepared by the CLI, plays the
Web Connector with `qblink simulate`, and drives Debian's headless chromium through
chromium-driver (WebDriver). Exits 77 (ctest SKIP_RETURN_CODE) only when chromium, chromedriver
or python3-selenium is missing. Screenshots of every page go to OUT/screenshots.

usage: console_test.py --qblink BUILD/qblink --out DIR
"""
import argparse
import csv
import glob
import http.client
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77
PASSWORD = "acme-console-pw1"
OTHER_PASSWORD = "other-console-pw1"
XSS = "<img src=x onerror=alert(1)>"

CUSTOMERS = """account_id,name,accounting_name,phone,email
C100,Acme Plumbing,Acme Plumbing Ltd,,
C101,Bright Spark Electrical,,,
C102,Coastal HVAC,Coastal  HVAC Services,,
C103,Riverside Flats,Dunmore Property Management:Riverside Flats,,
C104,Evergreen Landscaping,,,
C105,Greenway Pest Control,,,
C106,Summit Roofing & Gutters,,,
C107,Riverside HVAC,,,
C108,Tom Reyes,,555-014-2277,Office@ReyesPools.com
C109,"<img src=x onerror=alert(1)>",,,
"""
SUPPLIERS = """account_id,name,accounting_name
S200,Harbor Supply Co,
S201,Metro Pipe and Fittings,
S202,Northwind Tools,
"""
COMPANY = {
    "company_name": "Harbor Field Services",
    "customers": [
        {"name": "Acme Plumbing Ltd", "phone": "555-0100"},
        {"name": "Bright Spark Electrical"},
        {"name": "Coastal HVAC Services"},
        {"name": "Dunmore Property Management"},
        {"name": "Riverside Flats", "full_name": "Dunmore Property Management:Riverside Flats"},
        {"name": "Evergreen Landscaping", "is_active": False},
        {"name": "Riverside HVAC LLC"},
        {"name": "Reyes Pool Services Inc", "phone": "(555) 014-2277",
         "email": "office@reyespools.com"},
        # Linked to no account: the CSV export escapes them and defuses spreadsheet formulas.
        {"name": "=1+2 Traders"},
        {"name": "@Home Repairs"},
        {"name": 'Smith, "Bob" & Co'},
    ],
    "vendors": [{"name": "Harbor Supply Co"}, {"name": "Metro Pipe & Fittings"}],
}


def log(*a):
    print("[console]", *a, flush=True)


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    log("ok:", what)


def find_browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    try:
        import selenium  # noqa: F401
    except ImportError:
        return None, None, "python3-selenium is not installed"
    if not chromium or not driver:
        return None, None, "chromium or chromium-driver is not installed"
    return chromium, driver, ""


class Server:
    def __init__(self, qblink, db, workdir):
        self.qblink, self.db, self.workdir = qblink, db, workdir
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(workdir, "serve.log"), "w")
        self.proc = subprocess.Popen(
            [qblink, "--db", db, "serve", "--listen", f"127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                with urllib.request.urlopen(self.base + "/health/ready", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if self.proc.poll() is not None:
                raise Failure("qblink serve exited early; see " + self.log.name)
            time.sleep(0.1)
        raise Failure("qblink serve did not become ready")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def cli(qblink, db, *args, stdin=None):
    r = subprocess.run([qblink, "--db", db, *args], input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise Failure(f"qblink {' '.join(args)} failed: {r.stdout}{r.stderr}")
    return r.stdout


def simulate(qblink, server, workdir, user, password):
    r = subprocess.run([qblink, "simulate", "--url", server.base + "/qbwc", "--user", user,
                        "--password-stdin", "--company", os.path.join(workdir, "company.json")],
                       input=password + "\n", capture_output=True, text=True)
    log("simulate:", r.stdout.strip().splitlines()[-1:] if r.stdout.strip() else r.stderr)
    if r.returncode != 0:
        raise Failure("qblink simulate failed: " + r.stdout + r.stderr)


def request(base, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(base.split("//")[1], timeout=30)
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    text = r.read().decode()
    result = (r.status, {k.lower(): v for k, v in r.getheaders()}, text)
    conn.close()
    return result


# ---------------------------------------------------------------------------- browser steps

class Console:
    def __init__(self, chromium, driver_path, base, shots, downloads):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        opts = webdriver.ChromeOptions()
        opts.add_experimental_option("prefs", {"download.default_directory": downloads,
                                               "download.prompt_for_download": False})
        opts.binary_location = chromium
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):
            opts.add_argument(a)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service(driver_path), options=opts)
        self.d.set_window_size(1280, 1000)
        self.base, self.shots, self.downloads = base, shots, downloads
        try:
            self.d.execute_cdp_cmd("Browser.setDownloadBehavior",
                                   {"behavior": "allow", "downloadPath": downloads})
        except Exception:  # older chromium: the preference above is enough
            pass

    def downloaded(self, pattern, what):
        """The text of the newest finished download matching pattern (waits for it)."""
        def done():
            files = [f for f in glob.glob(os.path.join(self.downloads, pattern))
                     if not f.endswith(".crdownload")]
            return max(files, key=os.path.getmtime) if files else None
        path = self.wait(done, what)
        time.sleep(0.2)
        with open(path, "rb") as f:
            return path, f.read()

    def type_into(self, css, text):
        e = self.q(css)
        e.clear()
        e.send_keys(text)
        return e

    def q(self, css):
        from selenium.webdriver.common.by import By
        return self.d.find_element(By.CSS_SELECTOR, css)

    def qa(self, css):
        from selenium.webdriver.common.by import By
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def wait(self, fn, what, timeout=15):
        end = time.time() + timeout
        last = None
        while time.time() < end:
            try:
                v = fn()
                if v:
                    return v
            except Exception as e:  # stale elements while the page re-renders
                last = e
            time.sleep(0.1)
        self.shot("failed-" + what.replace(" ", "-")[:40])
        raise Failure(f"timed out waiting for: {what} ({last})")

    def shot(self, name):
        os.makedirs(self.shots, exist_ok=True)
        path = os.path.join(self.shots, name + ".png")
        self.d.save_screenshot(path)
        return path

    def message(self):
        return self.q("#message").text

    def sign_in(self, user, password):
        self.d.get(self.base + "/console")
        self.wait(lambda: self.q("#page-signin").is_displayed(), "the sign-in form")
        self.q("#signin-user").clear()
        self.q("#signin-user").send_keys(user)
        self.q("#signin-password").send_keys(password)
        self.q("#signin-submit").click()

    def go(self, page):
        self.q(f'#nav a[data-page="{page}"]').click()
        self.wait(lambda: self.q("#page-" + page).is_displayed(), "page " + page)

    def no_alert(self):
        from selenium.common.exceptions import NoAlertPresentException
        try:
            self.d.switch_to.alert
            return False
        except NoAlertPresentException:
            return True

    def csp_errors(self):
        return [e["message"] for e in self.d.get_log("browser")
                if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]

    def session_cookie(self):
        # Path=/api/v1: not visible from /console through WebDriver's cookie API; ask DevTools.
        for k in self.d.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]:
            if k["name"] == "qblink_session" and k["value"]:
                return k
        return None

    def quit(self):
        self.d.quit()


def browser_flow(c, qblink, db, server, workdir, shots, admin_token):
    # Sign-in failure first: a wrong password is refused and no page opens.
    c.sign_in("acme", "wrong-password")
    c.wait(lambda: "failed" in c.q("#signin-error").text, "the sign-in error")
    check(not c.q("#nav").is_displayed(), "a wrong password opens nothing")
    c.shot("signin-failed")

    c.sign_in("acme", PASSWORD)
    c.wait(lambda: c.q("#page-status").is_displayed(), "the status page")
    c.wait(lambda: "Harbor Field Services" in c.q("#status-list").text, "the company file")
    status_text = c.q("#page-status").text
    check("Last run" in status_text and "Last success" in status_text, "status shows the runs")
    check("to review" in status_text and "adds to approve" in status_text, "status shows what waits")
    check("Add an application" in status_text and "Auto-Run" in status_text
          and "Yes, always" in status_text, "status has the step-by-step Web Connector instructions")
    # The tenant's own .qwc: the address is prefilled (localhost for a loopback IP, which the
    # Web Connector refuses); a refused address says why.
    expected_url = c.base.replace("127.0.0.1", "localhost") + "/qbwc"
    check(c.q("#qwc-url").get_attribute("value") == expected_url, "the .qwc address is prefilled")
    c.type_into("#qwc-url", c.base + "/qbwc")
    c.q("#qwc-download").click()
    c.wait(lambda: "IP" in c.q("#qwc-error").text, "a refused .qwc address says why")
    c.type_into("#qwc-url", expected_url)
    c.q("#qwc-download").click()
    _, qwc = c.downloaded("acme*.qwc", "the .qwc download")
    qwc = qwc.decode()
    check("<UserName>acme</UserName>" in qwc and f"<AppURL>{expected_url}</AppURL>" in qwc,
          "the tenant downloads its own .qwc file")
    check(c.q("#qwc-error").text == "", "no error after the download")
    cookie = c.session_cookie()
    check(cookie is not None and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict",
          "the session cookie is HttpOnly and SameSite=Strict")
    check(c.d.execute_script("return document.cookie").find("qblink_session") < 0,
          "the script cannot read the session cookie")
    c.shot("status")

    # Review: each account beside its candidates, strongest first.
    c.go("review")
    c.wait(lambda: len(c.qa("#review-list .item")) > 0, "review items")
    before = len(c.qa("#review-list .item"))
    log("review items:", before)
    for item in c.qa("#review-list .item"):
        scores = [float(b.text.split("score ")[-1]) for b in item.find_elements("css selector", ".candidate .badge") if "score" in b.text]
        check(scores == sorted(scores, reverse=True), "candidates strongest first for " + item.find_element("css selector", "h3").text)
    check(any(e.text for e in c.qa("#review-list .evidence li")), "evidence is shown")
    c.shot("review")

    # Type another exact QuickBooks name, with the QuickBooks list as suggestions: the API says
    # what the next sync will do with it.
    check(len(c.qa("#qb-names-customer option")) >= 8, "QuickBooks' customer names are suggested")

    def reyes(text=""):
        items = [i for i in c.qa("#review-list .item")
                 if i.find_element("css selector", "h3").text == "Tom Reyes" and text in i.text]
        return items[0] if items else None

    def reyes_form(text=""):
        item = reyes(text)
        return item.find_element("css selector", "form.name-form") if item else None
    form = reyes_form()
    check(form is not None, "Tom Reyes waits for review")
    inp = form.find_element("css selector", "input")
    check(form.find_element("css selector", "label").get_attribute("for") == inp.get_attribute("id")
          and inp.get_attribute("list") == "qb-names-customer",
          "the name input is labelled and offers the QuickBooks customer list")
    from selenium.webdriver.common.action_chains import ActionChains
    reyes().click()
    ActionChains(c.d).send_keys("n").perform()
    check(c.d.switch_to.active_element == inp and inp.get_attribute("value") == "",
          "the n key moves to the current account's name input")
    inp.send_keys("Reyes Pools Unknown")
    form.find_element("css selector", "button").click()
    c.wait(lambda: 'QuickBooks has no "Reyes Pools Unknown"' in c.message(), "a name QuickBooks lacks")
    check("held for review" in c.message(), "the console says a name QuickBooks lacks is held")
    form = c.wait(lambda: reyes_form('no "Reyes Pools Unknown"'), "the account shows the outlook")
    form.find_element("css selector", "input").send_keys("Reyes Pool Services Inc")
    form.find_element("css selector", "button").click()
    c.wait(lambda: 'QuickBooks has "Reyes Pool Services Inc"' in c.message(), "an exact name")
    check("linked at the next sync" in c.message(), "the console says an exact name links next sync")
    c.wait(lambda: reyes("linked at the next sync"), "the account shows the new outlook")
    check(len(c.qa("#review-list .item")) == before, "it waits in review until then")

    # Accept one candidate with its button: the account that is not a strong match, if any.
    weak = [i for i in c.qa("#review-list .item") if not i.find_elements("css selector", ".badge.strong")]
    target = weak[0] if weak else c.qa("#review-list .item")[0]
    name = target.find_element("css selector", "h3").text
    target.find_element("css selector", ".candidate button").click()
    c.wait(lambda: "Accepted a link for " + name in c.message(), "accepting " + name)
    c.wait(lambda: len(c.qa("#review-list .item")) == before - 1, "one fewer review item")

    # Reject one with the keyboard: j moves, r rejects the current account.
    from selenium.webdriver.common.keys import Keys  # noqa: F401
    from selenium.webdriver.common.action_chains import ActionChains
    # Riverside HVAC (QuickBooks has "Riverside HVAC LLC") may be declared new; Coastal HVAC may
    # not: its name differs from QuickBooks' only in spacing, so a reject would add a duplicate.
    items = c.qa("#review-list .item")
    n = len(items)
    heads = [i.find_element("css selector", "h3").text for i in items]
    at = next(k for k, h in enumerate(heads) if "Riverside HVAC" in h)
    items[at].click()
    rejected = heads[at]
    keys = ("j", "k") if at + 1 < n else ("k", "j")
    ActionChains(c.d).send_keys(keys[0]).send_keys(keys[1]).send_keys("r").perform()
    c.wait(lambda: "Rejected the candidates of " + rejected in c.message(), "rejecting with r")
    c.wait(lambda: len(c.qa("#review-list .item")) == n - 1, "one fewer after r")

    # Bulk accept of strong matches.
    n = len(c.qa("#review-list .item"))
    strong = len([i for i in c.qa("#review-list .item") if i.find_elements("css selector", ".badge.strong")])
    log("strong left:", strong)
    if strong:
        c.q("#review-accept-strong").click()
        c.wait(lambda: "strong match(es)" in c.message(), "bulk accept")
        c.wait(lambda: len(c.qa("#review-list .item")) == n - strong, "strong items gone")
    check(strong > 0 or n == 0, "there were strong matches to accept in bulk")
    c.shot("review-after")

    # Adds awaiting approval: the XSS name renders as text; reject it, approve the rest.
    c.go("adds")
    c.wait(lambda: len(c.qa("#adds-table tbody tr")) >= 3, "adds awaiting approval")
    rows = c.qa("#adds-table tbody tr")
    names = [r.find_elements("css selector", "td")[1].text for r in rows]
    log("adds:", names)
    check(XSS in names, "a customer named like an <img> tag renders as text")
    check(len(c.qa("#adds-table img")) == 0 and len(c.qa("#main img")) == 0, "no <img> element was made")
    check(c.no_alert(), "no alert ran")
    c.shot("adds")
    xss_row = rows[names.index(XSS)]
    xss_row.find_element("css selector", "input[type=checkbox]").click()
    c.q("#adds-reject").click()
    c.wait(lambda: "Rejected 1 add(s)" in c.message(), "reject selected")
    c.wait(lambda: len(c.qa("#adds-table tbody tr")) == len(rows) - 1, "one add fewer")
    left = len(c.qa("#adds-table tbody tr"))
    c.q("#adds-approve-all").click()
    c.wait(lambda: f"Approved {left} add(s)" in c.message(), "approve all")
    c.wait(lambda: c.q("#adds-empty").is_displayed(), "no add left")

    # The link table before the next run.
    c.go("links")
    c.wait(lambda: len(c.qa("#links-table tbody tr")) >= 13, "the link table")
    c.q("#links-search").send_keys("Greenway")
    c.wait(lambda: len(c.qa("#links-table tbody tr")) == 1, "search by name")
    before_row = c.q("#links-table tbody tr").text
    check("linked" not in before_row.split(), "Greenway is not linked before the run")
    c.go("log")
    c.wait(lambda: len(c.qa("#runs-table tbody tr")) >= 1, "the runs")
    runs_before = len(c.qa("#runs-table tbody tr"))

    # The Web Connector runs again: the approved adds go to QuickBooks.
    simulate(qblink, server, workdir, "acme", PASSWORD)

    c.go("links")
    c.q("#links-search").clear()
    c.q("#links-search").send_keys("Greenway")
    c.d.refresh()
    c.wait(lambda: c.q("#page-links").is_displayed(), "links after reload")
    c.q("#links-search").send_keys("Greenway")
    c.wait(lambda: len(c.qa("#links-table tbody tr")) == 1 and "linked" in c.q("#links-table tbody tr").text.split(), "Greenway linked after the run")
    row = c.q("#links-table tbody tr").find_elements("css selector", "td")
    list_id = row[5].text
    check(list_id != "", "Greenway has a ListID")
    c.q("#links-search").clear()
    c.q("#links-search").send_keys(list_id)
    c.wait(lambda: len(c.qa("#links-table tbody tr")) == 1, "search by ListID")
    c.q("#links-search").clear()
    c.q("#links-search").send_keys("C100")
    c.wait(lambda: len(c.qa("#links-table tbody tr")) == 1, "search by account id")
    c.q("#links-search").clear()
    c.q("#links-search").send_keys("Acme Plumbing Ltd")
    c.wait(lambda: len(c.qa("#links-table tbody tr")) == 1, "search by QuickBooks name")

    # Relink from the link table: clear a link, then link to a QuickBooks name again.
    relink = '#links-table button[data-key="customer:C100"]'
    c.q(relink).click()
    c.wait(lambda: c.q("#relink-name").is_displayed(), "the relink editor")
    check(c.q(relink).get_attribute("aria-expanded") == "true", "the Relink button says it is open")
    check(c.q("#relink-name").get_attribute("value") == "Acme Plumbing Ltd",
          "the editor starts from the linked QuickBooks name")
    check(c.d.switch_to.active_element == c.q("#relink-name"), "focus moves into the editor")
    c.shot("links-relink")
    [b for b in c.qa("tr.editor button") if b.text == "Clear the link"][0].click()
    c.wait(lambda: "Cleared the link of Acme Plumbing" in c.message(), "clearing the link")
    c.wait(lambda: "pending" in c.q("#links-table tbody tr").text.split(), "C100 pending after clearing")
    check(c.d.switch_to.active_element == c.q(relink), "focus returns to the Relink button")
    c.q(relink).click()
    c.wait(lambda: c.q("#relink-name").is_displayed(), "the relink editor again")
    c.type_into("#relink-name", "Acme Plumbing Ltd")
    [b for b in c.qa("tr.editor button") if b.text == "Link to this name"][0].click()
    c.wait(lambda: 'QuickBooks has "Acme Plumbing Ltd"' in c.message()
           and "linked at the next sync" in c.message(), "relinking to a QuickBooks name")
    check(len(c.qa("tr.editor")) == 0, "the editor closes")
    c.q("#links-search").clear()
    c.shot("links")

    c.go("log")
    c.wait(lambda: len(c.qa("#runs-table tbody tr")) == runs_before + 1, "a new run in the log")
    # The QuickBooks names linked to no account, and their CSV export.
    c.wait(lambda: "=1+2 Traders" in c.q("#unlinked-table").text, "the unlinked QuickBooks names")
    unlinked = c.q("#unlinked-table").text
    check('Smith, "Bob" & Co' in unlinked and "Acme Plumbing Ltd" in unlinked,
          "names linked to no account are listed (the cleared link's too)")
    check("Harbor Supply Co" not in unlinked, "a linked QuickBooks name is not")
    c.q("#unlinked-csv").click()
    _, data = c.downloaded("quickbooks-unlinked-acme*.csv", "the CSV download")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    check(rows[0] == ["List", "QuickBooks name", "ListID", "Active", "Company", "Phone", "Email"],
          "the CSV has a header")
    check(all(len(r) == 7 for r in rows) and text.endswith("\r\n"), "every CSV row has 7 fields, CRLF")
    names = [r[1] for r in rows[1:]]
    check("'=1+2 Traders" in names and "'@Home Repairs" in names,
          "a name a spreadsheet would run as a formula gets a leading '")
    check('Smith, "Bob" & Co' in names and '"Smith, ""Bob"" & Co"' in text,
          "commas and quotes are CSV-quoted")
    check(len(rows) - 1 == len(c.qa("#unlinked-table tbody tr")), "the CSV has every listed name")

    newest = c.qa("#runs-table tbody tr")[0]
    check(len(newest.find_elements("css selector", ".bar span")) == 3, "each run has its linked/added/review bar")
    newest.find_element("css selector", "button").click()
    c.wait(lambda: len(c.qa("#events-table tbody tr")) > 0, "the run's events")
    all_events = len(c.qa("#events-table tbody tr"))
    c.q("#events-level").send_keys("error")
    c.q("#events-filter").click()
    c.wait(lambda: all("error" in r.text or "No event" in r.text for r in c.qa("#events-table tbody tr")), "level filter")
    c.q("#events-level").send_keys("Any")
    c.q("#events-account").send_keys("C105")
    c.q("#events-filter").click()
    c.wait(lambda: all("C105" in r.text or "No event" in r.text for r in c.qa("#events-table tbody tr")), "account filter")
    log("events in the newest run:", all_events)
    c.shot("log")

    # A phone-sized window: nothing overflows sideways.
    c.d.set_window_size(390, 844)
    for page in ("status", "review", "links", "log"):
        c.go(page)
        time.sleep(0.3)
        wide = c.d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        check(wide <= 1, f"{page} fits a 390 px phone")
        c.shot("phone-" + page)
    c.d.set_window_size(1280, 1000)
    check(c.csp_errors() == [], "no Content-Security-Policy violation")

    # The server ends the session (as it does after the idle timeout): the next click shows the
    # sign-in page with a message. (The idle timeout itself: tests/api/console_api_test.cpp.)
    sid = c.session_cookie()["value"]
    csrf = c.d.execute_script("return state.csrf")
    st, _, _ = request(c.base, "DELETE", "/api/v1/session",
                       headers={"Cookie": "qblink_session=" + sid, "X-CSRF-Token": csrf})
    check(st == 200, "the session ends on the server")
    c.q('#nav a[data-page="status"]').click()
    c.wait(lambda: c.q("#page-signin").is_displayed(), "the sign-in page after the session ended")
    check("expired" in c.message(), "the console says the session has expired")
    check(c.d.switch_to.active_element == c.q("#signin-user"), "focus is on the user name")
    c.shot("session-expired")
    c.sign_in("acme", PASSWORD)
    c.wait(lambda: c.q("#nav").is_displayed(), "signed in again")

    # Sign-out ends the session.
    c.q("#signout").click()
    c.wait(lambda: c.q("#page-signin").is_displayed(), "signed out")
    check(c.session_cookie() is None, "the cookie is cleared")
    c.d.get(c.base + "/console#links")
    c.wait(lambda: c.q("#page-signin").is_displayed(), "still signed out after reload")

    # The second tenant sees only its own accounts.
    c.sign_in("other", OTHER_PASSWORD)
    c.wait(lambda: c.q("#page-status").is_displayed(), "other's status")
    c.go("links")
    c.wait(lambda: "Other Secret Co" in c.q("#links-table").text, "other's own account")
    check("Acme" not in c.q("#links-table").text and "Greenway" not in c.q("#links-table").text,
          "a second tenant cannot see the first's accounts")
    c.go("log")
    time.sleep(0.5)
    check(len(c.qa("#runs-table tbody tr")) == 0, "a second tenant sees none of the first's runs")
    c.shot("other-tenant")

    # The installation admin: every tenant with its status, and one tenant's pages read-only.
    c.q("#signout").click()
    c.wait(lambda: c.q("#page-signin").is_displayed(), "other signed out")
    c.type_into("#signin-token", "qbl_" + "0" * 64)
    c.q("#admin-submit").click()
    c.wait(lambda: "failed" in c.q("#admin-error").text, "a wrong admin token is refused")
    c.type_into("#signin-token", admin_token)
    c.q("#admin-submit").click()
    c.wait(lambda: c.q("#page-installation").is_displayed(), "the installation page")
    c.wait(lambda: len(c.qa("#tenants-table tbody tr")) == 2, "both tenants listed")
    rows = {r.get_attribute("data-user"): r.text for r in c.qa("#tenants-table tbody tr")}
    check("Harbor Field Services" in rows["acme"] and "polling" in rows["acme"],
          "acme's company file and polling")
    check("never connected" in rows["other"], "a tenant whose Web Connector never connected")
    check(not any(a.is_displayed() for a in c.qa("#nav .tenant-page")),
          "no tenant page before the admin opens one")
    check("Installation admin" in c.q("#who").text, "the header says who is signed in")
    c.shot("installation")
    c.d.set_window_size(390, 844)
    time.sleep(0.3)
    wide = c.d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check(wide <= 1, "the installation page fits a 390 px phone")
    c.shot("phone-installation")
    c.d.set_window_size(1280, 1000)
    c.q('#tenants-table button[aria-label="Open acme read-only"]').click()
    c.wait(lambda: c.q("#page-status").is_displayed() and "acme" in c.q("#status-list").text,
           "acme's status for the admin")
    check(c.q("#viewing").is_displayed() and "read-only" in c.q("#viewing").text,
          "a banner says the admin views acme read-only")
    c.go("review")
    time.sleep(0.5)
    check(not any(b.is_displayed() for b in c.qa("#page-review button, #page-review form")),
          "review shows no decision control read-only")
    c.go("adds")
    check(not any(b.is_displayed() for b in c.qa("#page-adds button")), "adds: no approve/reject")
    c.go("links")
    c.wait(lambda: len(c.qa("#links-table tbody tr")) >= 13, "acme's link table for the admin")
    check(not any(b.is_displayed() for b in c.qa("#links-table button")), "links: no Relink")
    c.shot("admin-readonly-links")
    answer = c.d.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/api/v1/adds/approve', {method: 'POST', body: JSON.stringify({all: true}),
          headers: {'Content-Type': 'application/json', 'X-CSRF-Token': state.csrf,
                    'X-Qblink-Tenant': 'acme'}})
          .then((r) => r.json().then((j) => done([r.status, j.type])), (e) => done([0, String(e)]));""")
    check(answer[0] == 403 and answer[1].endswith("/read-only"),
          "the API refuses a change the admin's page might still send")
    c.q("#viewing-back").click()
    c.wait(lambda: c.q("#page-installation").is_displayed(), "back to all tenants")
    check(not c.q("#viewing").is_displayed(), "the banner is gone")
    c.q("#signout").click()
    c.wait(lambda: c.q("#page-signin").is_displayed(), "the admin signed out")


def http_checks(base, admin_token):
    # The page and its headers.
    st, h, body = request(base, "GET", "/console")
    check(st == 200 and "text/html" in h["content-type"], "GET /console serves the page")
    csp = h.get("content-security-policy", "")
    check("default-src 'self'" in csp and "unsafe-inline" not in csp and "script-src 'self'" in csp,
          "a strict Content-Security-Policy")
    check("<script>" not in body and not re.search(r"\son[a-z]+\s*=", body) and "style=" not in body,
          "no inline script, handler or style in the page")
    check(h.get("x-content-type-options") == "nosniff", "nosniff")
    for asset in ("/console/app.js", "/console/app.css", "/console/"):
        st, h, _ = request(base, "GET", asset)
        check(st == 200 and "content-security-policy" in h, "GET " + asset)
    check("innerHTML" not in request(base, "GET", "/console/app.js")[2], "the script never uses innerHTML")

    # Session cookie attributes, and CSRF: a change without the token is refused.
    st, h, body = request(base, "POST", "/api/v1/session", {"user": "acme", "password": PASSWORD},
                          {"Origin": base})
    check(st == 201, "sign-in over HTTP")
    cookie = h["set-cookie"]
    check("HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie,
          "plain-HTTP sign-in: HttpOnly, SameSite=Strict, no Secure")
    sid = cookie.split(";")[0]
    csrf = json.loads(body)["csrf_token"]
    check(len(sid.split("=")[1]) == 32 and len(csrf) == 32, "128-bit session id and CSRF token")
    st, h2, _ = request(base, "POST", "/api/v1/session", {"user": "acme", "password": PASSWORD},
                        {"Origin": "https://sync.example.com"})
    check(st == 201 and "; Secure" in h2["set-cookie"], "HTTPS sign-in: the cookie is Secure")
    st, _, _ = request(base, "GET", "/api/v1/status", headers={"Cookie": sid})
    check(st == 200, "the session reads the API")
    decision = {"decisions": [{"kind": "customer", "account_id": "C999", "action": "reject"}]}
    st, _, b = request(base, "POST", "/api/v1/review/decisions", decision, {"Cookie": sid})
    check(st == 403 and "csrf" in b, "a change without the CSRF token is refused (403)")
    st, _, b = request(base, "POST", "/api/v1/adds/approve", {"all": True},
                       {"Cookie": sid, "X-CSRF-Token": "0" * 32})
    check(st == 403 and "csrf" in b, "a change with a wrong CSRF token is refused")
    st, _, _ = request(base, "DELETE", "/api/v1/session", headers={"Cookie": sid})
    check(st == 403, "sign-out without the token is refused")
    st, _, _ = request(base, "GET", "/api/v1/tenants", headers={"Cookie": sid})
    check(st == 403, "a console session is not an admin credential")
    st, _, _ = request(base, "DELETE", "/api/v1/session", headers={"Cookie": sid, "X-CSRF-Token": csrf})
    check(st == 200, "sign-out with the token")
    st, _, _ = request(base, "GET", "/api/v1/status", headers={"Cookie": sid})
    check(st == 401, "the session is gone after sign-out")

    # An admin console session: what the admin token can, and reads of a named tenant.
    st, h, body = request(base, "POST", "/api/v1/session", {"token": admin_token})
    check(st == 201 and json.loads(body)["admin"] is True, "an admin token opens an admin session")
    asid, acsrf = h["set-cookie"].split(";")[0], json.loads(body)["csrf_token"]
    st, _, b = request(base, "GET", "/api/v1/tenants/status", headers={"Cookie": asid})
    check(st == 200 and [t["user"] for t in json.loads(b)["items"]] == ["acme", "other"],
          "the installation view lists every tenant")
    st, _, b = request(base, "GET", "/api/v1/status",
                       headers={"Cookie": asid, "X-Qblink-Tenant": "acme"})
    check(st == 200 and json.loads(b)["user"] == "acme", "the admin reads the tenant it names")
    st, _, b = request(base, "POST", "/api/v1/adds/approve", {"all": True},
                       {"Cookie": asid, "X-CSRF-Token": acsrf, "X-Qblink-Tenant": "acme"})
    check(st == 403 and "read-only" in b, "and changes nothing there")
    st, _, _ = request(base, "GET", "/api/v1/tenants", headers={"Cookie": asid})
    check(st == 200, "an admin session is an admin credential")

    # Another tenant's session sees only its own data.
    st, h, body = request(base, "POST", "/api/v1/session", {"user": "other", "password": OTHER_PASSWORD})
    osid = h["set-cookie"].split(";")[0]
    st, _, b = request(base, "GET", "/api/v1/accounts?kind=customer", headers={"Cookie": osid})
    ids = [a["account_id"] for a in json.loads(b)["items"]]
    check(st == 200 and ids == ["O1"], "the second tenant's session lists only its own accounts")
    st, _, b = request(base, "GET", "/api/v1/runs", headers={"Cookie": osid})
    check(json.loads(b)["items"] == [], "the second tenant sees none of the first's runs")


def throttle_checks(base):
    # Last: it blocks this address. Failed sign-ins are throttled per client address.
    codes = []
    for _ in range(12):
        st, h, _ = request(base, "POST", "/api/v1/session", {"user": "acme", "password": "nope-nope"})
        codes.append(st)
    check(codes[0] == 401 and codes[-1] == 429, f"failed sign-ins are throttled ({codes})")
    st, h, _ = request(base, "POST", "/api/v1/session", {"user": "acme", "password": PASSWORD})
    check(st == 429 and "retry-after" in h, "even the right password waits while throttled")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qblink", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--http-only", action="store_true", help="skip the browser part")
    args = ap.parse_args()
    chromium, driver, why = find_browser()
    if not args.http_only and why:
        print("SKIP: " + why + " (apt-get install chromium chromium-driver python3-selenium)")
        return SKIP
    shots = os.path.join(args.out, "screenshots")
    os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="qblink-console-", dir=args.out)
    db = os.path.join(workdir, "qblink.db")
    with open(os.path.join(workdir, "company.json"), "w") as f:
        json.dump(COMPANY, f)
    for name, text in (("customers.csv", CUSTOMERS), ("suppliers.csv", SUPPLIERS),
                       ("other.csv", "account_id,name,accounting_name\nO1,Other Secret Co,\n")):
        with open(os.path.join(workdir, name), "w") as f:
            f.write(text)
    cli(args.qblink, db, "user", "add", "acme", "--password-stdin", stdin=PASSWORD + "\n")
    cli(args.qblink, db, "user", "add", "other", "--password-stdin", stdin=OTHER_PASSWORD + "\n")
    cli(args.qblink, db, "customers", "import", "acme", os.path.join(workdir, "customers.csv"))
    cli(args.qblink, db, "suppliers", "import", "acme", os.path.join(workdir, "suppliers.csv"))
    cli(args.qblink, db, "customers", "import", "other", os.path.join(workdir, "other.csv"))
    admin_token = cli(args.qblink, db, "token", "create", "--admin", "--name",
                      "console").strip().splitlines()[-1]
    downloads = os.path.join(workdir, "downloads")
    os.makedirs(downloads, exist_ok=True)
    server = Server(args.qblink, db, workdir)
    console = None
    try:
        simulate(args.qblink, server, workdir, "acme", PASSWORD)
        if not args.http_only:
            console = Console(chromium, driver, server.base, shots, downloads)
            browser_flow(console, args.qblink, db, server, workdir, shots, admin_token)
        http_checks(server.base, admin_token)
        throttle_checks(server.base)
    except Failure as e:
        print("FAIL:", e, flush=True)
        print("server log:", open(os.path.join(workdir, "serve.log")).read()[-3000:])
        return 1
    finally:
        if console:
            console.quit()
        server.stop()
    log("all console checks passed; screenshots in", shots)
    return 0


if __name__ == "__main__":
    sys.exit(main())
