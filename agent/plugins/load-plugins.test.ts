/**
 * @module agent/plugins/load-plugins.test
 * Plugins loaded from real files: managers found by shape, broken files skipped, and
 * operation names that nothing would call warned about at load.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureLogger } from "../../machine/inventory/test-support.ts";
import { loadPlugins, unknownOperations } from "./load-plugins.ts";

const dir = mkdtempSync(join(tmpdir(), "teeth-plugins-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plugin = (file: string, body: string) => writeFileSync(join(dir, file), body);

test("a misspelled operation is loaded but warned about; known operations and own steps are not", async () => {
  plugin(
    "a-typo.js",
    `export default { name: "typo_manager", version: "1", evaluateSupport: () => 3,
      cleanSteps: [{ step: "typo_reset", priority: 0, interface: "deploy" }],
      operations: { prepare_imag() {}, typo_reset() {}, get_os_install_device() { return "/dev/sda"; } } };`,
  );
  plugin("b-broken.js", "this is not javascript (");
  const log = captureLogger();
  const managers = await loadPlugins(dir, log.logger);
  expect(managers.map((m) => m.name)).toEqual(["typo_manager"]);
  const warning = log.records.find((r) => r.level === 40 && r.manager === "typo_manager");
  expect(warning?.operations).toEqual(["prepare_imag"]);
});

test("steps given by a function cannot be checked, so nothing is warned", () => {
  expect(unknownOperations({ name: "d", version: "1", evaluateSupport: () => 3, cleanSteps: () => [], operations: { anything() {} } })).toEqual([]);
});
