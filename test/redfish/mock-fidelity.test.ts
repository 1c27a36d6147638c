/**
 * The mock BMC is only useful if it is shaped like a real Redfish service: sushy 4.3.3 (the
 * library Ironic 21.4's redfish driver uses, Debian python3-sushy) drives it here, with a
 * session, discovery, a reset through its task monitor, and a boot override under If-Match.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { startRedfishMock, type RedfishMock } from "../support/redfish-mock.ts";

let bmc: RedfishMock | undefined;
afterAll(async () => void (await bmc?.stop()));

test("sushy, Ironic's Redfish library, drives the mock BMC", async () => {
  bmc = await startRedfishMock({ username: "admin", password: "sushy-pw", requireEtag: true, asyncReset: true, powerDelayMs: 200 });
  const env: Record<string, string> = { ...(process.env as Record<string, string>), REDFISH_PASSWORD: "sushy-pw" };
  // requests lets these override an explicit CA path (its merge_environment_settings).
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  const proc = Bun.spawn(["/usr/bin/python3", join(import.meta.dir, "sushy-client.py"), bmc.url, bmc.caPath, "admin"], { env, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(), 30_000);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  expect({ code, err: code === 0 ? "" : err.slice(-2000) }).toEqual({ code: 0, err: "" });
  const seen = JSON.parse(out);
  expect(seen).toMatchObject({ identity: "437XR1138R2", power_before: "Off", power_after: "On", boot: ["Pxe", "Continuous", "Legacy"], session: true });
  expect(seen.allowed_resets).toContain("GracefulShutdown");
  expect(seen.allowed_boot).toContain("Hdd");
  expect(bmc.state()).toMatchObject({ PowerState: "On", BootSourceOverrideTarget: "Pxe", BootSourceOverrideEnabled: "Continuous", BootSourceOverrideMode: "Legacy" });
  const patch = bmc.requests.find((r) => r.method === "PATCH");
  expect(patch).toMatchObject({ auth: "session", status: 204 });
  expect(patch!.ifMatch).toMatch(/^W\/"\d+"$/);
}, 40_000);
