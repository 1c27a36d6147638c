import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "./logger.ts";

const dir = mkdtempSync(join(tmpdir(), "teeth-logger-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("secrets and tenant data are redacted in logged objects, two levels down included", () => {
  const path = join(dir, "log");
  const log = createLogger({ level: "info", destination: path });
  log.info({ agent_token: "t-1", node: { instance_info: { configdrive: "cd-2" }, driver_info: { ipmi_password: "pw-3", snmp_community: "c-4" } }, step: { args: { image_server_password: "ip-5" } } }, "x");
  log.flush();
  const line = readFileSync(path, "utf8");
  for (const s of ["t-1", "cd-2", "pw-3", "c-4", "ip-5"]) expect(line).not.toContain(s);
  expect(line).toContain('"configdrive":"***"');
});

test("an error logged as { err } keeps its type and stack, with secrets in its text masked", () => {
  const path = join(dir, "log-err");
  const log = createLogger({ level: "info", destination: path });
  const e = Object.assign(new TypeError("GET https://admin:pw-6@10.0.0.9/redfish failed; ipmitool --password pw-7"), { details: { ipmi_password: "pw-8" } });
  log.error({ err: e }, "x");
  log.flush();
  const line = JSON.parse(readFileSync(path, "utf8"));
  for (const s of ["pw-6", "pw-7", "pw-8"]) expect(JSON.stringify(line)).not.toContain(s);
  expect(line.err.type).toBe("TypeError");
  expect(line.err.message).toBe("GET https://admin:******@10.0.0.9/redfish failed; ipmitool --password ******");
  expect(line.err.stack).toContain("logger-redaction.test.ts");
});
