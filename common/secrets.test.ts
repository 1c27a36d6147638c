import { expect, test } from "bun:test";
import { isSecretKey, maskSecrets, maskSecretsInText } from "./secrets.ts";

test("every key oslo masks and the BMC spellings Ironic's drivers use are secret; ordinary keys are not", () => {
  const secret = ["ipmi_password", "redfish_password", "Password", "snmp_community", "snmp_auth_key", "snmp_priv_key", "ssh_key", "private_key",
    "client_secret", "auth_token", "agent_secret_token", "configdrive", "passphrase", "admin_pass", "keystonecredential", "image_request_authorization", "kg_key", "fernetkey"];
  const plain = ["ipmi_address", "ipmi_username", "ipmi_port", "redfish_system_id", "image_source", "image_checksum", "root_gb", "capabilities", "root_device", "deploy_steps", "agent_url"];
  for (const k of secret) expect(isSecretKey(k), k).toBe(true);
  for (const k of plain) expect(isSecretKey(k), k).toBe(false);
});

test("masking reaches every depth, lists included, and hides a secret key's whole value", () => {
  const masked = maskSecrets({
    ipmi_address: "10.0.0.1",
    bmc: { creds: [{ user: "root", password: "p1" }, { snmp_community: "c1" }], nested: { deeper: { api_key: "k1" } } },
    bmc_secret: { value: "s1" },
    empty_password: "",
    unset_password: null,
  });
  expect(masked as unknown).toEqual({
    ipmi_address: "10.0.0.1",
    bmc: { creds: [{ user: "root", password: "******" }, { snmp_community: "******" }], nested: { deeper: { api_key: "******" } } },
    bmc_secret: "******",
    empty_password: "",
    unset_password: null,
  });
  expect(JSON.stringify(maskSecrets({ a: { b: { c: { d: { e: { f: { g: { token: "t9" } } } } } } } }))).not.toContain("t9");
});

test("secrets written inside text are masked: URL userinfo, key=value, JSON, --flag value", () => {
  expect(maskSecretsInText("GET https://admin:hunter2@img.example/x.raw failed")).toBe("GET https://admin:******@img.example/x.raw failed");
  expect(maskSecretsInText("?temp_url_sig=abc123&temp_url_expires=1")).toBe("?temp_url_sig=******&temp_url_expires=1");
  expect(maskSecretsInText('{"ipmi_password": "p2", "ipmi_address": "10.0.0.1"}')).toBe('{"ipmi_password": "******", "ipmi_address": "10.0.0.1"}');
  expect(maskSecretsInText("ipmitool -U admin --password p3 power on")).toBe("ipmitool -U admin --password ****** power on");
  expect(maskSecretsInText("agent_token=abc password: xyz")).toBe("agent_token=****** password: ******");
  expect(maskSecretsInText("Node 1 failed: checksum mismatch")).toBe("Node 1 failed: checksum mismatch");
});
