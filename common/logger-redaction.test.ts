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
