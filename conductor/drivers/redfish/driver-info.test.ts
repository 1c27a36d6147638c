import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRedfishDriverInfo, resolveRedfishTarget, validateRedfishNode } from "./driver-info.ts";

const defaults = { authType: "auto" as const, verifyCa: null };
const node = (driver_info: Record<string, unknown>) => ({ uuid: "1be26c0b-03f2-4d2e-ae87-c02d7f33c123", driver_info });
const target = (info: Record<string, unknown>) => resolveRedfishTarget(node(info), defaults);

describe("redfish driver_info", () => {
  test("an address without a scheme is https, and its path is the service root", () => {
    expect(target({ redfish_address: "10.0.0.5" })).toMatchObject({ origin: "https://10.0.0.5", rootPrefix: "/redfish/v1/" });
    expect(target({ redfish_address: "bmc.example.com:8443" })).toMatchObject({ origin: "https://bmc.example.com:8443" });
    expect(target({ redfish_address: "http://10.0.0.5/custom/v1" })).toMatchObject({ origin: "http://10.0.0.5", rootPrefix: "/custom/v1/" });
    expect(target({ redfish_address: "[fd00::5]" })).toMatchObject({ origin: "https://[fd00::5]" });
  });

  test("a missing address is reported in Ironic's words", () => {
    expect(validateRedfishNode(node({ redfish_username: "admin" }))).toBe(
      "Missing the following Redfish properties in node 1be26c0b-03f2-4d2e-ae87-c02d7f33c123 driver_info: ['redfish_address']",
    );
    // ...but is not a shape problem at create time.
    expect(checkRedfishDriverInfo({ redfish_username: "admin" })).toBeNull();
  });

  test("malformed fields are named", () => {
    expect(checkRedfishDriverInfo({ redfish_address: "ftp://10.0.0.5" })).toBe("Invalid Redfish address ftp://10.0.0.5 set in driver_info/redfish_address");
    expect(checkRedfishDriverInfo({ redfish_address: 42 })).toContain("driver_info/redfish_address");
    expect(checkRedfishDriverInfo({ redfish_auth_type: "digest" })).toBe(
      'Invalid value "digest" set in driver_info/redfish_auth_type. The value should be one of "basic", "session" or "auto".',
    );
    expect(checkRedfishDriverInfo({ redfish_system_id: 1 })).toContain("driver_info/redfish_system_id");
    expect(checkRedfishDriverInfo({ redfish_system_id: "https://elsewhere/redfish/v1/Systems/1" })).toContain("driver_info/redfish_system_id");
    expect(checkRedfishDriverInfo({ redfish_system_id: "/redfish/v1/Systems/../../x" })).toContain("driver_info/redfish_system_id");
    expect(checkRedfishDriverInfo({ redfish_verify_ca: "/no/such/bundle.pem" })).toContain("driver_info/redfish_verify_ca");
    expect(checkRedfishDriverInfo({ redfish_verify_ca: 3 })).toContain("driver_info/redfish_verify_ca");
    // Ironic's exact sentence (checked against Ironic 21.4's parse_driver_info).
    expect(validateRedfishNode(node({ redfish_address: "10.0.0.5", redfish_auth_type: "digest" }))).toBe(
      'Invalid value "digest" set in driver_info/redfish_auth_type on node 1be26c0b-03f2-4d2e-ae87-c02d7f33c123. The value should be one of "basic", "session" or "auto".',
    );
    expect(validateRedfishNode(node({ redfish_address: "10.0.0.5", redfish_verify_ca: "maybe" }))).toBe(
      "Invalid value type set in driver_info/redfish_verify_ca on node 1be26c0b-03f2-4d2e-ae87-c02d7f33c123. The value should be a Boolean or the path to a file/directory, not \"maybe\"",
    );
  });

  test("a system id that is not a path, in Ironic's words", () => {
    expect(validateRedfishNode(node({ redfish_address: "10.0.0.5", redfish_system_id: 1 }))).toBe(
      'Invalid value "1" set in driver_info/redfish_system_id on node 1be26c0b-03f2-4d2e-ae87-c02d7f33c123. The value should be a path (string) ' +
        "to the resource that the driver will interact with. For example: /redfish/v1/Systems/1",
    );
  });

  test("credentials in the address are refused without echoing them", () => {
    const reason = checkRedfishDriverInfo({ redfish_address: "https://admin:hunter22@10.0.0.5" });
    expect(reason).toContain("must not hold credentials");
    expect(reason).not.toContain("hunter22");
  });

  test("a non-string password is refused without echoing it", () => {
    const reason = checkRedfishDriverInfo({ redfish_password: 123456 });
    expect(reason).toContain("redfish_password");
    expect(reason).not.toContain("123456");
  });

  test("verify_ca: booleans, Ironic's boolean words, or a bundle file or directory", () => {
    expect(target({ redfish_address: "h", redfish_verify_ca: false })).toMatchObject({ verifyCa: false });
    expect(target({ redfish_address: "h", redfish_verify_ca: "False" })).toMatchObject({ verifyCa: false });
    expect(target({ redfish_address: "h", redfish_verify_ca: "no" })).toMatchObject({ verifyCa: false });
    expect(target({ redfish_address: "h", redfish_verify_ca: "True" })).toMatchObject({ verifyCa: true });
    expect(target({ redfish_address: "h" })).toMatchObject({ verifyCa: true });
    const dir = mkdtempSync(join(tmpdir(), "teeth-rf-ca-"));
    try {
      writeFileSync(join(dir, "ca.pem"), "x");
      expect(target({ redfish_address: "h", redfish_verify_ca: join(dir, "ca.pem") })).toMatchObject({ verifyCa: join(dir, "ca.pem") });
      expect(target({ redfish_address: "h", redfish_verify_ca: dir })).toMatchObject({ verifyCa: dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the configured defaults apply: auth type, and the CA bundle when verify_ca is missing or true", () => {
    const d = { authType: "basic" as const, verifyCa: "/etc/ssl/bmc-ca.pem" };
    expect(resolveRedfishTarget(node({ redfish_address: "h" }), d)).toMatchObject({ authType: "basic", verifyCa: "/etc/ssl/bmc-ca.pem" });
    expect(resolveRedfishTarget(node({ redfish_address: "h", redfish_verify_ca: "true" }), d)).toMatchObject({ verifyCa: "/etc/ssl/bmc-ca.pem" });
    expect(resolveRedfishTarget(node({ redfish_address: "h", redfish_verify_ca: false, redfish_auth_type: "session" }), d)).toMatchObject({ authType: "session", verifyCa: false });
  });

  test("other interfaces' keys and nulls are left alone", () => {
    expect(checkRedfishDriverInfo({ deploy_kernel: "k", redfish_system_id: null, ipmi_address: "x" })).toBeNull();
  });
});
