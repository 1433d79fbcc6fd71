"""The deployment files: systemd units, the nginx site, the environment template, alert rules."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from callcenter.config import MAX_REQUEST_BYTES, load_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("callcenter-*"))
SITE = DEPLOY / "nginx" / "callcenter.conf"
README = (ROOT / "README.md").read_text()


def installed(tmp_path: Path, text: str) -> str:
    """Put a deployment file's paths where this checkout and a scratch folder are."""
    return (
        text.replace("/srv/callcenter", str(ROOT))
        .replace("/var/backups/callcenter", str(tmp_path))
        .replace("/etc/callcenter/callcenter.env", str(DEPLOY / "callcenter.env.example"))
    )


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_systemd_units_verify(tmp_path):
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(installed(tmp_path, unit.read_text()))
        copies.append(str(copy))
    result = subprocess.run(
        ["systemd-analyze", "verify", *copies], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_units_run_the_web_workers_the_scheduler_and_the_metrics_port():
    commands = {u.name: re.search(r"^ExecStart=(.*)$", u.read_text(), re.M) for u in UNITS}
    assert commands["callcenter-web.service"][1].endswith("gunicorn -c gunicorn.conf.py wsgi:app")
    assert commands["callcenter-scheduler.service"][1].endswith("flask --app wsgi scheduler run")
    assert commands["callcenter-metrics.service"][1].endswith("flask --app wsgi metrics serve")


def test_web_workers_and_metrics_port_share_the_metrics_folder():
    web = (DEPLOY / "systemd/callcenter-web.service").read_text()
    port = (DEPLOY / "systemd/callcenter-metrics.service").read_text()
    line = "Environment=PROMETHEUS_MULTIPROC_DIR=/run/callcenter-metrics"
    assert line in web and line in port
    assert "RuntimeDirectory=callcenter-metrics" in web  # emptied at every start


def nginx_site(tmp_path: Path, port: int = 8443, plain_port: int = 8080) -> Path:
    """Write an nginx.conf that serves the site on loopback ports with a scratch certificate."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=line.example.go.kr",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = installed(tmp_path, SITE.read_text())
    site = site.replace("/etc/letsencrypt/live/line.example.go.kr/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/line.example.go.kr/privkey.pem", str(key))
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{plain_port};")
    site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"user root;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\nhttp {\n"
        f"  access_log {tmp_path}/access.log;\n"
        f"  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n"
    )
    return conf


@pytest.mark.skipif(not shutil.which("nginx"), reason="needs nginx (Debian's nginx package)")
def test_nginx_site_passes_nginx_t(tmp_path):
    conf = nginx_site(tmp_path)
    result = subprocess.run(
        ["nginx", "-t", "-c", str(conf), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_nginx_refuses_what_the_app_refuses():
    (limit,) = re.findall(r"client_max_body_size (\d+)m;", SITE.read_text())
    assert (
        int(limit) * 1024 * 1024 == MAX_REQUEST_BYTES == load_config("testing").MAX_CONTENT_LENGTH
    )


def test_nginx_forwards_what_the_app_believes_from_one_proxy():
    site = SITE.read_text()
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port"):
        assert site.count(f"proxy_set_header {header} ") == 2, header  # /ivr/ and the rest
    assert "TRUSTED_PROXY_COUNT=1" in (DEPLOY / "callcenter.env.example").read_text()


def test_nginx_keeps_metrics_from_the_public():
    assert re.search(r"location = /metrics \{\s*return 404;", SITE.read_text())


def test_environment_template_names_only_documented_variables():
    names = re.findall(
        r"^#?([A-Z][A-Z0-9_]+)=", (DEPLOY / "callcenter.env.example").read_text(), re.M
    )
    assert names
    undocumented = [n for n in names if f"`{n}`" not in README]
    assert undocumented == []


@pytest.mark.skipif(not shutil.which("promtool"), reason="needs promtool (Debian's prometheus)")
def test_alert_rules_pass_promtool_and_their_unit_tests():
    folder = DEPLOY / "prometheus"
    for command in (
        ["check", "rules", "callcenter-alerts.yml"],
        ["test", "rules", "callcenter-alerts.test.yml"],
    ):
        result = subprocess.run(
            ["promtool", *command], cwd=folder, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr


PUBLIC = "https://line.example.go.kr"


@pytest.mark.skipif(not shutil.which("nginx"), reason="needs nginx (Debian's nginx package)")
def test_preflight_through_the_nginx_site_finds_the_proxy_setting(tmp_path, database_url, db):
    import os
    import sys

    from tests.test_metrics_processes import free_port, start, stop, wait_until_up

    web_port, tls_port, plain_port = free_port(), free_port(), free_port()
    conf = nginx_site(tmp_path, tls_port, plain_port)
    site = tmp_path / "site.conf"
    site.write_text(site.read_text().replace("127.0.0.1:8000", f"127.0.0.1:{web_port}"))
    env = {
        **os.environ,
        "CALLCENTER_ENV": "production",
        "SECRET_KEY": "nginx-test-secret-key-" + "x" * 32,
        "TWILIO_AUTH_TOKEN": "nginx-test-auth-token",
        "DATABASE_URL": database_url,
        "BIND": f"127.0.0.1:{web_port}",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
        "IVR_BUSY_BOARD": "0",
        "TRUSTED_PROXY_COUNT": "1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run(["nginx", "-c", str(conf), "-p", str(tmp_path)], check=True, timeout=60)
    preflight = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wsgi",
        "preflight",
        "--public-url",
        PUBLIC,
        "--via",
        f"https://127.0.0.1:{tls_port}",
        "--insecure",
    ]
    outputs = {}
    try:
        for name, base in (("mis-set", "https://old-line.example.go.kr"), ("right", PUBLIC)):
            settings = {**env, "PUBLIC_BASE_URL": base}
            web = start(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                settings,
                tmp_path / f"gunicorn-{name}.log",
            )
            try:
                wait_until_up(f"http://127.0.0.1:{web_port}/healthz", web)
                outputs[name] = subprocess.run(
                    preflight, cwd=ROOT, env=settings, capture_output=True, text=True, timeout=120
                )
            finally:
                stop(web, signal.SIGINT)
    finally:
        subprocess.run(["nginx", "-c", str(conf), "-p", str(tmp_path), "-s", "stop"], timeout=60)
    mis_set, right = outputs["mis-set"], outputs["right"]
    assert mis_set.returncode == 1
    assert (
        f"  FAIL  a request Twilio signs for {PUBLIC}/ivr/voice is refused with 403: "
        "the app rebuilt the URL as https://old-line.example.go.kr/ivr/voice" in mis_set.stdout
    ), mis_set.stdout + mis_set.stderr
    assert f"but Twilio calls {PUBLIC}: set PUBLIC_BASE_URL={PUBLIC}" in mis_set.stdout
    assert f"  ok    a request Twilio signs for {PUBLIC}/ivr/voice is accepted" in right.stdout
    assert "  ok    a request with a wrong signature is refused with 403" in right.stdout
