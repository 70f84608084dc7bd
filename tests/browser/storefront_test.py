#!/usr/bin/env python3
"""The storefront in a real browser, end to end.

Starts `microcosm --headless --http 0` on a fresh data directory, opens the
storefront in headless Chromium (Debian's chromium and chromium-driver,
driven by python3-selenium), adds two different products to the cart (one
from the catalogue, one from its product view), checks out, and finds the
order in the history as CONFIRMED. Then it ends the run with SIGTERM and
checks the same order from outside the browser: the report's audit (the
auditor's own reading of the three database files) must pass with every
acknowledged order present, and order.db, opened read-only, must hold the
order as CONFIRMED with exactly the two products.

    storefront_test.py MICROCOSM_BINARY SOURCE_DIR [OUTPUT_DIR]

OUTPUT_DIR (default: the working directory) receives storefront-browser.png;
when MICROCOSM_SCREENSHOT_DIR is set the screenshot is copied there too.
Exit codes: 0 passed, 1 failed, 77 skipped (no Chromium, chromedriver or
Selenium here).
"""

import json
import os
import queue
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
USER = "web-browser"
WAIT_S = 30  # for the browser's requests; the shop answers in milliseconds
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def skip(reason):
    print(f"SKIP: {reason}", flush=True)
    sys.exit(SKIP)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def drain(stream, sink, lines):
    """Reads a pipe to its end so that the program never blocks writing."""
    for line in iter(stream.readline, ""):
        lines.append(line)
        if sink is not None:
            sink.put(line)
    stream.close()


def start_microcosm(binary, data_dir):
    command = [binary, "--headless", "--http", "0", "--duration", "120",
               "--data-dir", data_dir, "--report", os.path.join(data_dir, "report.json")]
    print("running:", " ".join(command), flush=True)
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)
    out, err = [], []
    lines = queue.Queue()
    threads = [threading.Thread(target=drain, args=(proc.stdout, lines, out), daemon=True),
               threading.Thread(target=drain, args=(proc.stderr, None, err), daemon=True)]
    for t in threads:
        t.start()
    return proc, lines, out, err, threads


def wait_for_port(proc, lines, err):
    """The one line `HTTP front: http://127.0.0.1:PORT/` the front prints."""
    pattern = re.compile(r"HTTP front: (http://127\.0\.0\.1:(\d+)/)")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                raise Failure(f"microcosm exited with {proc.returncode} before printing its "
                              f"HTTP front's address; stderr:\n{''.join(err)}")
            continue
        m = pattern.search(line)
        if m:
            return m.group(1)
    raise Failure("microcosm printed no 'HTTP front: http://127.0.0.1:PORT/' line within 60 s")


def check_served_files(base, source_dir):
    """The front serves the storefront's files as they are in the source tree
    (a stale build would test an old page)."""
    import urllib.request
    for name, path in (("index.html", ""), ("app.js", "app.js"), ("style.css", "style.css")):
        with open(os.path.join(source_dir, "resources", "web", name), "rb") as f:
            expected = f.read()
        with urllib.request.urlopen(base + path, timeout=10) as answer:
            served = answer.read()
            kind = answer.headers.get("Content-Type", "")
        check(served == expected, f"GET /{path} is not resources/web/{name} of {source_dir} "
                                  f"({len(served)} bytes served, {len(expected)} in the file)")
        want = {"html": "text/html", "js": "javascript", "css": "text/css"}[name.rsplit(".", 1)[1]]
        check(want in kind, f"GET /{path} came as {kind!r}, expected {want}")


CHROMEDRIVERS = []  # the chromedriver processes started, stopped in main()'s finally


def make_driver(profile_dir):
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--window-size=1280,900", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--disable-background-networking",
                "--force-device-scale-factor=1", f"--user-data-dir={profile_dir}"):
        options.add_argument(arg)
    # chromedriver is started here on 127.0.0.1, not by Selenium's Service,
    # which reaches it by the name "localhost": a machine whose /etc/hosts
    # does not name it (a fresh debootstrap root) could not connect.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = os.path.join(os.path.dirname(profile_dir), "chromedriver.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=log,
                                stderr=subprocess.STDOUT)
    CHROMEDRIVERS.append(proc)
    deadline = time.time() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None:
                raise Failure(f"chromedriver exited with code {proc.returncode}; see {log_path}")
            if time.time() > deadline:
                raise Failure(f"chromedriver did not listen on 127.0.0.1:{port} within 30 s")
            time.sleep(0.1)
    return webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options)


def shop(driver, base):
    """Drives the page; returns (order id, the two product ids)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, WAIT_S)

    def css(selector):
        return driver.find_elements(By.CSS_SELECTOR, selector)

    def until(what, condition):
        try:
            return wait.until(lambda d: condition())
        except Exception as e:  # TimeoutException, with the page's state for the reader
            raise Failure(f"timed out waiting for {what}; last requests on the page:\n"
                          f"{log_text(driver)}") from e

    driver.get(base)
    until("the storefront to load (body[data-ready])",
          lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    check(driver.title == "Microcosm shop", f"page title is {driver.title!r}")
    user = driver.find_element(By.ID, "user")
    check(user.get_attribute("value") == "web-1",
          f"the user field starts as {user.get_attribute('value')!r}, expected 'web-1'")
    user.clear()
    user.send_keys(USER, Keys.TAB)  # a change event: the page loads this user's cart and orders
    until(f"the cart of {USER} to be asked for",
          lambda: css(f'[data-test=log-entry][data-path="/carts/{USER}"]'))

    products = until("the catalogue", lambda: css("[data-test=product]"))
    check(len(products) >= 2, f"the catalogue shows {len(products)} products, expected at least 2")
    first, second = products[0].get_attribute("data-id"), products[1].get_attribute("data-id")
    check(first != second, "the first two products have the same id")

    # The first product straight from the catalogue.
    products[0].find_element(By.CSS_SELECTOR, "[data-test=add]").click()
    until(f"product {first} in the cart", lambda: css(f'[data-test=cart-item][data-id="{first}"]'))

    # The second from its product view (GET /products/{id}), two of them.
    products[1].find_element(By.CSS_SELECTOR, "[data-test=view]").click()
    until(f"the view of product {second}",
          lambda: css(f'#product-detail[data-id="{second}"] [data-test=detail-add]'))
    quantity = driver.find_element(By.CSS_SELECTOR, "[data-test=detail-quantity]")
    quantity.clear()
    quantity.send_keys("2")
    driver.find_element(By.CSS_SELECTOR, "[data-test=detail-add]").click()
    until(f"product {second} ×2 in the cart",
          lambda: css(f'[data-test=cart-item][data-id="{second}"][data-quantity="2"]'))
    driver.find_element(By.CSS_SELECTOR, "[data-test=detail-close]").click()
    check(len(css("[data-test=cart-item]")) == 2,
          f"the cart shows {len(css('[data-test=cart-item]'))} lines, expected 2")

    checkout = driver.find_element(By.CSS_SELECTOR, "[data-test=checkout]")
    check(checkout.is_enabled(), "the Check out button is disabled with two items in the cart")
    checkout.click()
    status = driver.find_element(By.CSS_SELECTOR, "[data-test=checkout-status]")
    until("the checkout's answer", lambda: status.get_attribute("data-order-id")
          or "failed" in status.text.lower())
    order_id = status.get_attribute("data-order-id")
    check(order_id, f"the checkout did not succeed: {status.text}")
    check("CONFIRMED" in status.text, f"the checkout says {status.text!r}, expected CONFIRMED")

    # The history (GET /orders?user=...) lists it as CONFIRMED.
    row = until(f"order {order_id} in the history",
                lambda: css(f'[data-test=order][data-order-id="{order_id}"]'))[0]
    check(row.get_attribute("data-status") == "CONFIRMED",
          f"the history shows order {order_id} as {row.get_attribute('data-status')}")

    # Every request went into the log strip with its status, and the
    # checkout's answer names the trace the page started (W3C traceparent).
    posts = css('[data-test=log-entry][data-method=POST][data-path="/orders"]')
    check(posts, "the log strip shows no POST /orders")
    post = posts[0]
    check(post.get_attribute("data-status") == "201",
          f"POST /orders answered {post.get_attribute('data-status')}, expected 201")
    check(post.get_attribute("data-idempotency-key"), "the checkout sent no Idempotency-Key")
    trace, sent = post.get_attribute("data-trace-id"), post.get_attribute("data-sent-trace-id")
    check(HEX32.match(trace or ""),
          f"POST /orders carried no X-Trace-Id of 32 lower-case hex digits (got {trace!r})")
    check(trace == sent, f"the answer's trace id {trace} is not the one the page sent ({sent})")
    per_service = {}
    for entry in css("[data-test=log-entry]"):
        code = entry.get_attribute("data-status")
        path = entry.get_attribute("data-path")
        check(code.isdigit() and 200 <= int(code) < 300,
              f"{entry.get_attribute('data-method')} {path} answered {code}: {entry.text}")
        service = {"products": "product", "carts": "cart", "orders": "order"}.get(
            path.split("?")[0].split("/")[1])
        check(service, f"the page asked for {path}, which is none of the shop's services")
        per_service[service] = per_service.get(service, 0) + 1
    return order_id, sorted({int(first), int(second)}), per_service


def log_text(driver):
    from selenium.webdriver.common.by import By
    try:
        return "\n".join(e.text.replace("\n", "  ") for e in
                         driver.find_elements(By.CSS_SELECTOR, "[data-test=log-entry]")[:12])
    except Exception as e:
        return f"(could not read the log strip: {e})"


def save_screenshot(driver, output_dir, name="storefront-browser.png"):
    path = os.path.join(output_dir, name)
    check(driver.save_screenshot(path), f"could not write the screenshot {path}")
    print(f"screenshot: {path}", flush=True)
    extra = os.environ.get("MICROCOSM_SCREENSHOT_DIR")
    if extra:
        os.makedirs(extra, exist_ok=True)
        shutil.copy(path, os.path.join(extra, name))
        print(f"screenshot: {os.path.join(extra, name)}", flush=True)


def check_after_run(data_dir, order_id, product_ids, per_service):
    report_path = os.path.join(data_dir, "report.json")
    check(os.path.exists(report_path), f"microcosm wrote no report at {report_path}")
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    audit = report.get("audit")
    check(isinstance(audit, dict), "the report has no 'audit' section")
    print("audit:", json.dumps({k: audit.get(k) for k in (
        "ok", "confirmedOrders", "acknowledgedOrders", "acknowledgedMissing",
        "duplicateIdempotencyKeys", "pendingOrders")}), flush=True)
    check(audit.get("ok") is True, f"the audit failed: {audit.get('violations')}")
    check(audit.get("acknowledgedMissing") == 0,
          f"{audit.get('acknowledgedMissing')} acknowledged orders are not CONFIRMED")
    check(audit.get("acknowledgedOrders", 0) >= 1,
          "the audit counted no acknowledged order, not even the browser's")
    check(audit.get("confirmedOrders", 0) >= 1, "the audit found no CONFIRMED order")
    check(audit.get("duplicateIdempotencyKeys") == 0, "an idempotency key made two orders")

    # The browser's requests reached the gateway as the caller "http": its
    # own edges, one request each for every answer in the strip (only the
    # browser calls as "http" in this run; the simulated users are "users").
    edges = report.get("edges", {})
    for service, count in sorted(per_service.items()):
        edge = edges.get(f"http>{service}")
        check(isinstance(edge, dict), f"the report has no edge http>{service}")
        check(edge.get("requests") == count,
              f"edge http>{service} counted {edge.get('requests')} requests, the page made {count}")
        check(edge.get("outcomes", {}).get("ok") == count,
              f"edge http>{service} counted {edge.get('outcomes', {}).get('ok')} ok, "
              f"the page saw {count} answers 2xx")
    print("edges:", ", ".join(f"http>{s} {n} ok" for s, n in sorted(per_service.items())),
          flush=True)

    db_path = os.path.join(data_dir, "order.db")
    check(os.path.exists(db_path), f"no {db_path}")
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT status, user_id, idempotency_key FROM orders WHERE id = ?",
                         (order_id,)).fetchone()
        check(row is not None, f"order {order_id} is not in order.db")
        status, user, key = row
        check(status == "CONFIRMED", f"order {order_id} is {status} in order.db")
        check(user == USER, f"order {order_id} belongs to {user!r} in order.db, not {USER!r}")
        items = [r[0] for r in db.execute(
            "SELECT product_id FROM order_items WHERE order_id = ? ORDER BY product_id",
            (order_id,))]
        check(items == product_ids,
              f"order {order_id} holds products {items} in order.db, expected {product_ids}")
        same_key = db.execute("SELECT count(*) FROM orders WHERE idempotency_key = ?",
                              (key,)).fetchone()[0]
        check(same_key == 1, f"the checkout's key {key} made {same_key} orders")
    finally:
        db.close()
    print(f"order.db: order {order_id} of {USER} is CONFIRMED with products {items}", flush=True)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, source_dir = argv[1], argv[2]
    output_dir = os.path.abspath(argv[3] if len(argv) > 3 else os.getcwd())
    import importlib.util
    if importlib.util.find_spec("selenium") is None:
        skip(f"Selenium is not installed for {sys.executable} "
             "(Debian: apt-get install python3-selenium)")
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            skip(f"{path} is absent (Debian: apt-get install {package})")
    if not os.access(binary, os.X_OK):
        print(f"FAIL: {binary} is not an executable", file=sys.stderr)
        return 1
    os.makedirs(output_dir, exist_ok=True)

    work = tempfile.mkdtemp(prefix="microcosm-browser-")
    data_dir = os.path.join(work, "data")
    proc = driver = None
    out, err = [], []
    threads = []
    passed = False
    try:
        proc, lines, out, err, threads = start_microcosm(binary, data_dir)
        base = wait_for_port(proc, lines, err)
        print(f"storefront: {base}", flush=True)
        check_served_files(base, source_dir)
        driver = make_driver(os.path.join(work, "chromium-profile"))
        order_id, product_ids, per_service = shop(driver, base)
        print(f"browser: order {order_id} CONFIRMED in the history", flush=True)
        save_screenshot(driver, output_dir)
        driver.quit()
        driver = None

        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            raise Failure("microcosm did not end within 90 s of SIGTERM")
        for t in threads:
            t.join(timeout=10)
        check(code == 0, f"microcosm ended with exit code {code} after SIGTERM; stderr:\n"
                         f"{''.join(err)[-4000:]}")
        check_after_run(data_dir, order_id, product_ids, per_service)
        passed = True
        print("PASS: storefront checkout confirmed in the browser, the audit and order.db",
              flush=True)
        return 0
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr, flush=True)
        return 1
    finally:
        if driver is not None:
            try:
                if not passed:
                    save_screenshot(driver, output_dir, "storefront-browser-failed.png")
            except Exception:
                pass
            try:
                driver.quit()
            except Exception:
                pass
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        for chromedriver in CHROMEDRIVERS:
            if chromedriver.poll() is None:
                chromedriver.kill()
                chromedriver.wait()
        if not passed and out:
            print("microcosm's last output:\n" + "".join(out[-20:]), file=sys.stderr)
        if passed:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept for a look: {work}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
