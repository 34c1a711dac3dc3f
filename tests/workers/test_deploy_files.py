"""The documented two-worker set-up (deploy/): the Procfile's workers are nginx's upstream."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX_CONF = DEPLOY / "nginx-careerbot.conf"


def procfile_workers() -> dict[str, str]:
    lines = (DEPLOY / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_each_procfile_worker_runs_the_bot_on_a_port_of_the_nginx_upstream():
    workers = procfile_workers()
    assert len(workers) == 2
    ports = []
    for command in workers.values():
        assert command.endswith(" careerbot run"), command
        ports.append(int(re.search(r"WEBHOOK_PORT=(\d+)", command).group(1)))
    upstream = re.search(r"upstream careerbot_workers \{(.*?)\}", NGINX_CONF.read_text(), re.S)
    servers = [int(port) for port in re.findall(r"server 127\.0\.0\.1:(\d+)", upstream.group(1))]
    assert sorted(ports) == sorted(servers)


def test_nginx_accepts_the_snippet(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light to check the snippet)")
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {NGINX_CONF};\n}}\n"
    )
    checked = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
