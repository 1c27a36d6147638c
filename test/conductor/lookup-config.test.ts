/** What lookup tells the agent about images: the configured permitted_image_formats. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { buildConfig } from "../../conductor/config/load.ts";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
beforeAll(async () => {
  // fast track lets an agent look up while the node is enrolled
  tc = await startTestConductor({ agent: { fast_track: true, permitted_image_formats: ["raw", "gpt"] } });
});
afterAll(async () => {
  await tc.stop();
});

test("lookup carries the conductor's permitted_image_formats", async () => {
  const mac = "52:54:00:40:00:01";
  expect((await tc.api("POST", "/v1/nodes", { name: "lk1", driver: "fake-hardware" })).status).toBe(201);
  expect((await tc.api("POST", "/v1/ports", { address: mac, node_uuid: "lk1" })).status).toBe(201);
  const res = await fetch(`${tc.url}/v1/lookup?addresses=${mac}`, { headers: { "X-OpenStack-Ironic-API-Version": "1.68" } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { config: { permitted_image_formats: string[] } };
  expect(body.config.permitted_image_formats).toEqual(["raw", "gpt"]);
});

test("a format Ironic does not know is a configuration error naming the key", () => {
  expect(() => buildConfig({ file: { agent: { permitted_image_formats: ["vmdk"] } }, flags: {} })).toThrow(/permitted_image_formats/);
});
