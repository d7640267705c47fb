#!/usr/bin/env python3
"""Drive every device of a mock-device inventory with Netmiko, as the course's scripts do.

Usage: netmiko_check.py INVENTORY.yaml

For each device, in a pool of threads: ConnectHandler(device_type, host, port, username,
password), find_prompt(), send_command("show version"), disconnect(). Checks the prompt and
that the output names the device. Exits non-zero (with the reason) on any failure, including
a missing netmiko.
"""

import sys
import time
from concurrent.futures import ThreadPoolExecutor

try:
    import yaml
    from netmiko import ConnectHandler
except ImportError as e:
    sys.exit(f"netmiko_check: cannot import netmiko ({e}); run: pip install netmiko")


def expected_prompt(device):
    if device["device_type"] == "juniper_junos":
        return f"{device['username']}@{device['name']}>"
    return f"{device['name']}#"


def check(device):
    start = time.monotonic()
    conn = ConnectHandler(
        device_type=device["device_type"],
        host=device["host"],
        port=device["port"],
        username=device["username"],
        password=device["password"],
    )
    try:
        prompt = conn.find_prompt()
        output = conn.send_command("show version")
    finally:
        conn.disconnect()
    problems = []
    if prompt != expected_prompt(device):
        problems.append(f"prompt {prompt!r}, expected {expected_prompt(device)!r}")
    if device["name"] not in output:
        problems.append(f"`show version` does not name the device: {output[:200]!r}")
    if "Invalid input" in output or "syntax error" in output:
        problems.append(f"`show version` was rejected: {output[:200]!r}")
    return device["name"], prompt, time.monotonic() - start, problems


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        devices = yaml.safe_load(f)
    failures = 0
    with ThreadPoolExecutor(max_workers=len(devices)) as pool:
        for name, prompt, elapsed, problems in pool.map(check, devices):
            status = "ok" if not problems else "FAILED: " + "; ".join(problems)
            print(f"{name:<20} {prompt:<28} {elapsed:5.2f}s  {status}")
            failures += bool(problems)
    print(f"{len(devices) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
