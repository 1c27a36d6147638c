/**
 * @module conductor/drivers/ipmi/driver-info.test
 * Ironic's driver_info rules for ipmi (`_parse_driver_info`), and what this driver refuses.
 */
import { describe, expect, test } from "bun:test";
import { checkIpmiDriverInfo, missingIpmiFields, parseIpmiDriverInfo } from "./driver-info.ts";

describe("checkIpmiDriverInfo (shape, at create/PATCH)", () => {
  test("accepts Ironic's usual driver_info, numbers as strings included, and other drivers' keys", () => {
    expect(checkIpmiDriverInfo({ ipmi_address: "10.0.0.5", ipmi_port: "623", ipmi_username: "admin", ipmi_password: "pw", ipmi_cipher_suite: "3", ipmi_priv_level: "OPERATOR", deploy_kernel: "x" })).toBeNull();
    expect(checkIpmiDriverInfo({})).toBeNull();
    expect(checkIpmiDriverInfo({ ipmi_port: 6230, ipmi_bridging: "no", ipmi_protocol_version: "2.0", ipmi_disable_boot_timeout: "false" })).toBeNull();
  });
  test.each([
    [{ ipmi_port: "70000" }, 'ipmi_port "70000" is not a valid port.'],
    [{ ipmi_port: "abc" }, 'ipmi_port "abc" is not a valid port.'],
    [{ ipmi_port: 0 }, 'ipmi_port "0" is not a valid port.'],
    [{ ipmi_address: 10 }, "ipmi_address must be a string."],
    [{ ipmi_address: "-oProxyCommand=x" }, "ipmi_address must be a host name or an IP address (no spaces, not starting with '-')."],
    [{ ipmi_cipher_suite: "x" }, 'ipmi_cipher_suite "x" is not a number.'],
    [{ ipmi_cipher_suite: 4 }, "ipmi_cipher_suite 4 is not a cipher suite ipmitool supports; one of 1, 2, 3, 6, 7, 8, 11, 12, 15, 16, 17 (17 or 3 recommended)."],
    [{ ipmi_priv_level: "ROOT" }, "ipmi_priv_level: Invalid privilege level value:ROOT, the valid value can be one of ADMINISTRATOR, CALLBACK, OPERATOR, USER"],
    [{ ipmi_bridging: "maybe" }, "Invalid value for ipmi_bridging: maybe, the valid value can be one of: single, dual, no"],
    [{ ipmi_protocol_version: "3.0" }, "ipmi_protocol_version: Invalid IPMI protocol version value 3.0, the valid value can be one of 2.0"],
  ])("%j is refused: %s", (info, reason) => {
    expect(checkIpmiDriverInfo(info as Record<string, unknown>)).toBe(reason);
  });
  test("what this driver cannot do is refused clearly, by field", () => {
    expect(checkIpmiDriverInfo({ ipmi_bridging: "single" })).toContain('ipmi_bridging "single" is not supported');
    expect(checkIpmiDriverInfo({ ipmi_protocol_version: "1.5" })).toContain('ipmi_protocol_version "1.5" is not supported');
    expect(checkIpmiDriverInfo({ ipmi_cipher_suite: 0 })).toContain("ipmi_cipher_suite 0 is refused");
    expect(checkIpmiDriverInfo({ ipmi_hex_kg_key: "abcd" })).toContain("ipmi_hex_kg_key is not supported");
    expect(checkIpmiDriverInfo({ ipmi_force_boot_device: true })).toContain("ipmi_force_boot_device is not supported");
  });
  test("a too long password is refused without echoing it", () => {
    const reason = checkIpmiDriverInfo({ ipmi_password: "p".repeat(21) + "SECRET" })!;
    expect(reason).toBe("ipmi_password is longer than 20 bytes, the IPMI 2.0 limit.");
    expect(reason).not.toContain("SECRET");
  });
});

describe("validate (missing fields, Ironic's wording)", () => {
  test("ipmi_address is the only required field", () => {
    expect(missingIpmiFields({ ipmi_username: "admin" })).toBe("Missing the following IPMI credentials in node's driver_info: ipmi_address.");
    expect(missingIpmiFields({ ipmi_address: "" })).toBe("Missing the following IPMI credentials in node's driver_info: ipmi_address.");
    expect(missingIpmiFields({ ipmi_address: "bmc-1" })).toBeNull();
  });
});

describe("parseIpmiDriverInfo", () => {
  test("Ironic's defaults: port 623, ADMINISTRATOR, NULL user, empty password, no cipher suite", () => {
    expect(parseIpmiDriverInfo({ ipmi_address: "10.0.0.5" })).toEqual({
      address: "10.0.0.5", port: 623, username: null, password: "", privLevel: "ADMINISTRATOR", cipherSuite: null, disableBootTimeout: true,
    });
  });
  test("strings become numbers; a numeric password becomes a string (Ironic str()s it)", () => {
    const t = parseIpmiDriverInfo({ ipmi_address: "10.0.0.5", ipmi_port: "6230", ipmi_cipher_suite: "17", ipmi_password: 1234 });
    expect(t).toMatchObject({ port: 6230, cipherSuite: 17, password: "1234" });
  });
  test("missing before malformed", () => {
    expect(parseIpmiDriverInfo({ ipmi_port: "x" })).toBe("Missing the following IPMI credentials in node's driver_info: ipmi_address.");
  });
});
