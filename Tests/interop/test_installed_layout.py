"""The container image (deploy/Containerfile) and the systemd unit run the binary away from the build folder: the
executable and its resource bundles copied into one folder (/opt/hues), started from an empty working folder in
production mode. This runs that layout for real, so a resource looked up next to the build output, or a page that
needs a file left behind, fails here rather than in the city's first deployment."""
import base64
import glob
import os
import shutil
import subprocess
import tempfile
import time

import requests

from conftest import _binary, _free_port


def test_the_binary_and_its_resources_copied_elsewhere_serve_in_production_mode():
    binary = _binary()
    install = tempfile.mkdtemp(prefix="hues-opt-")
    home = tempfile.mkdtemp(prefix="hues-var-")
    # What the Containerfile copies: the executable and every *.resources bundle beside it, nothing else.
    shutil.copy2(binary, os.path.join(install, "hues"))
    bundles = glob.glob(os.path.join(os.path.dirname(binary), "*.resources"))
    assert bundles, "the build has resource bundles"
    for bundle in bundles:
        shutil.copytree(bundle, os.path.join(install, os.path.basename(bundle)))
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "HUES_MODE": "production", "HUES_HOST": "127.0.0.1", "HUES_PORT": str(port),
           "HUES_DATA_DIR": home, "HUES_LOG_FORMAT": "json", "HUES_PUBLIC_URL": "https://hues.example.vn",
           "HUES_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    log = open(os.path.join(home, "serve.log"), "w")
    process = subprocess.Popen([os.path.join(install, "hues"), "serve"], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = "http://127.0.0.1:%d" % port
    try:
        deadline = time.time() + 60
        while time.time() < deadline and process.poll() is None:
            try:
                if requests.get(base + "/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            raise AssertionError("the installed server did not become healthy:\n" + open(os.path.join(home, "serve.log")).read())
        # Pages (templates, translations), the stylesheet and the city profile's procedures all come from the bundles.
        page = requests.get(base + "/procedures", headers={"Accept-Language": "en"}, timeout=10)
        assert page.status_code == 200 and "<html" in page.text
        assert requests.get(base + "/api/v1/procedures", timeout=10).json(), "the city's procedures were loaded"
        styles = [line for line in page.text.split('"') if line.endswith(".css")]
        assert styles and requests.get(base + styles[0], timeout=10).status_code == 200
        with open(os.path.join(home, "serve.log")) as f:
            first = f.readline()
        assert first.startswith("{"), "production logs are JSON lines: " + first
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(install, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
