import { describe, expect, test } from "bun:test";
import { httpError, redfishMessage, scrub, transportError } from "./bmc-errors.ts";

const bmc = "https://10.0.0.5";
const body = (id: string, message: string) => ({ error: { code: "Base.1.8.GeneralError", message: "A general error has occurred.", "@Message.ExtendedInfo": [{ MessageId: `Base.1.8.${id}`, Message: message }] } });

describe("redfish errors", () => {
  test("401 is an authentication failure naming the user", () => {
    const e = httpError(401, body("ResourceAtUriUnauthorized", "unauthorized"), { bmc, action: "get power state", username: "admin" });
    expect(e.code).toBe("BMC_AUTH_FAILED");
    expect(e.message).toBe('redfish authentication failed for https://10.0.0.5: the BMC refused the credentials of user "admin" (HTTP 401 Unauthorized: unauthorized)');
  });

  test("403 is an authentication failure too (not enough privilege)", () => {
    const e = httpError(403, null, { bmc, action: "power on", username: "operator" });
    expect(e.code).toBe("BMC_AUTH_FAILED");
    expect(e.message).toContain('user "operator" is not allowed to power on');
  });

  test("an action or value the BMC refuses is unsupported, with Redfish's message", () => {
    const e = httpError(400, body("ActionParameterNotSupported", "The parameter ForceOn for the action ComputerSystem.Reset is not supported."), { bmc, action: "power on", what: 'ResetType "ForceOn"' });
    expect(e.code).toBe("BMC_UNSUPPORTED");
    expect(e.message).toBe('redfish BMC https://10.0.0.5 does not support ResetType "ForceOn" (HTTP 400 Bad Request: The parameter ForceOn for the action ComputerSystem.Reset is not supported.)');
    expect(httpError(405, null, { bmc, action: "x", what: "y" }).code).toBe("BMC_UNSUPPORTED");
    expect(httpError(501, null, { bmc, action: "x", what: "y" }).code).toBe("BMC_UNSUPPORTED");
  });

  test("other failures are BMC errors", () => {
    expect(httpError(400, body("MalformedJSON", "bad json"), { bmc, action: "power on", what: "y" }).code).toBe("BMC_ERROR");
    const e = httpError(409, body("ResourceInUse", "The server is busy."), { bmc, action: "power on" });
    expect(e.code).toBe("BMC_ERROR");
    expect(e.message).toBe('redfish call "power on" to https://10.0.0.5 failed: HTTP 409 Conflict: The server is busy.');
    expect(httpError(500, "<html>oops</html>", { bmc, action: "x" }).message).toEndWith("HTTP 500 Internal Server Error");
  });

  test("messages are bounded and never carry the password", () => {
    const long = body("GeneralError", `password is s3cr3t-pw ${"x".repeat(1000)}`);
    const m = redfishMessage(long, ["s3cr3t-pw"])!;
    expect(m.length).toBeLessThanOrEqual(300);
    expect(m).not.toContain("s3cr3t-pw");
    expect(scrub("a  b\n c")).toBe("a b c");
  });

  test("transport failures: TLS verification, refused, unresolvable, timed out", () => {
    const ctx = { bmc, action: "get power state", seconds: 30 };
    const tls = transportError(Object.assign(new TypeError("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }), ctx);
    expect(tls.code).toBe("BMC_UNREACHABLE");
    expect(tls.message).toContain("certificate verify failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(tls.message).toContain("redfish_verify_ca");
    expect(transportError(Object.assign(new TypeError("x"), { code: "ECONNREFUSED" }), ctx).message).toBe("redfish BMC https://10.0.0.5 is unreachable: connection refused");
    expect(transportError(Object.assign(new TypeError("x"), { code: "ENOTFOUND" }), ctx).message).toContain("cannot resolve");
    const t = transportError(new DOMException("The operation timed out.", "TimeoutError"), ctx);
    expect(t.code).toBe("BMC_TIMEOUT");
    expect(t.message).toBe('redfish BMC https://10.0.0.5 did not complete "get power state" within 30 s');
  });
});
