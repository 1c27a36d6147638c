"""Drives a Redfish service with sushy, the library Ironic's redfish driver uses, and prints
what it saw as JSON. Used by mock-fidelity.test.ts to check test/support/redfish-mock.ts
against a real client. Usage: REDFISH_PASSWORD=... python3 sushy-client.py URL CA_PATH USER"""
import json
import sys
import time

import sushy
from sushy import auth

url, ca, user = sys.argv[1:4]
password = __import__("os").environ["REDFISH_PASSWORD"]
conn = sushy.Sushy(url, verify=ca, auth=auth.SessionOrBasicAuth(username=user, password=password))
system = conn.get_system()
out = {
    "identity": system.identity,
    "power_before": system.power_state.value,
    "allowed_resets": sorted(v.value for v in system.get_allowed_reset_system_values()),
    "allowed_boot": sorted(v.value for v in system.get_allowed_system_boot_source_values()),
}
system.reset_system(sushy.RESET_ON)
for _ in range(50):
    system.refresh()
    if system.power_state == sushy.SYSTEM_POWER_STATE_ON:
        break
    time.sleep(0.1)
out["power_after"] = system.power_state.value
system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_CONTINUOUS, mode=sushy.BOOT_SOURCE_MODE_BIOS)
system.refresh()
out["boot"] = [system.boot.target.value, system.boot.enabled.value, system.boot.mode.value]
out["session"] = conn._auth.get_session_key() is not None
print(json.dumps(out))
