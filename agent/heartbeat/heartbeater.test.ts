import { describe, expect, test } from "bun:test";
import { createSilentLogger } from "../../common/logger.ts";
import type { HeartbeatBody, LookupResponse } from "../../protocol/ramdisk-api.ts";
import { createAgentState } from "../state/agent-state.ts";
import { createHeartbeater } from "./heartbeater.ts";
import type { IronicApiClient, Outcome } from "./ironic-api-client.ts";

const TOKEN = "t".repeat(43);

function fakeApi(lookups: Array<Outcome<LookupResponse>>, heartbeats: Array<Outcome<null>>, posts: Array<Outcome<string | null>> = []) {
  const calls: Array<{ kind: string; at: number; body?: HeartbeatBody; macs?: readonly string[]; url?: string; inventory?: unknown }> = [];
  const api: IronicApiClient = {
    baseUrl: () => "http://conductor",
    discoverVersion: async () => ({ ok: true, value: "1.82" }),
    async lookup(macs) {
      calls.push({ kind: "lookup", at: performance.now(), macs });
      return lookups.shift() ?? ok();
    },
    async heartbeat(_uuid, body) {
      calls.push({ kind: "heartbeat", at: performance.now(), body });
      return heartbeats.shift() ?? { ok: true, value: null };
    },
    async postInventory(url, inventory) {
      calls.push({ kind: "post", at: performance.now(), url, inventory });
      return posts.shift() ?? { ok: true, value: "n1" };
    },
  };
  return { api, calls };
}

function ok(token: string = TOKEN, timeout = 1): Outcome<LookupResponse> {
  return {
    ok: true,
    value: {
      node: { uuid: "n1", properties: {}, instance_info: {}, driver_internal_info: {} },
      config: { heartbeat_timeout: timeout, agent_token: token },
    },
  };
}
const fail = (status: number | null): Outcome<never> => ({ ok: false, status, reason: `status ${status}` });

function heartbeater(api: IronicApiClient, random = () => 0, discovery?: { url: string; inventory(): Promise<unknown> }) {
  const state = createAgentState(null);
  const hb = createHeartbeater({
    api,
    state,
    logger: createSilentLogger(),
    macs: async () => ["52:54:00:00:00:01"],
    callbackUrl: "https://10.0.0.5:9999",
    verifyCa: "PEM",
    agentVersion: "0.1.0",
    lookupTimeoutS: 600,
    lookupIntervalS: 0.01,
    random,
    ...(discovery ? { discovery } : {}),
  });
  return { hb, state };
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached");
    await Bun.sleep(5);
  }
}

describe("heartbeater", () => {
  test("lookup's config sets what the image engine may accept: md5 and permitted formats", async () => {
    const found = ok();
    if (found.ok) Object.assign(found.value.config, { agent_md5_checksum_enable: true, permitted_image_formats: ["raw", "gpt"] });
    const { api, calls } = fakeApi([found], []);
    const { hb, state } = heartbeater(api);
    expect(state.permittedImageFormats).toBeNull();
    const running = hb.run();
    await until(() => calls.some((c) => c.kind === "heartbeat"));
    hb.stop();
    await running;
    expect(state.md5Allowed).toBe(true);
    expect(state.permittedImageFormats).toEqual(["raw", "gpt"]);
  });

  test("looks up until found, keeps the token, then heartbeats with every field", async () => {
    const { api, calls } = fakeApi([fail(404), fail(null), ok()], []);
    const { hb, state } = heartbeater(api);
    const running = hb.run();
    await until(() => calls.some((c) => c.kind === "heartbeat"));
    hb.stop();
    await running;
    expect(calls.filter((c) => c.kind === "lookup").length).toBe(3);
    expect(calls[0]!.macs).toEqual(["52:54:00:00:00:01"]);
    expect(state.token).toBe(TOKEN);
    expect(calls.find((c) => c.kind === "heartbeat")!.body).toEqual({
      callback_url: "https://10.0.0.5:9999",
      agent_version: "0.1.0",
      agent_token: TOKEN,
      agent_verify_ca: "PEM",
    });
  });

  test("a masked token with none in hand is not accepted; the agent keeps looking up", async () => {
    const { api, calls } = fakeApi([ok("******")], []);
    const { hb, state } = heartbeater(api);
    const running = hb.run();
    await Bun.sleep(50);
    hb.stop();
    await running;
    expect(state.token).toBeNull();
    expect(calls.some((c) => c.kind === "heartbeat")).toBe(false);
  });

  test("heartbeat interval is heartbeat_timeout * uniform(0.3, 0.6); 404 triggers a new lookup", async () => {
    // random() = 0 -> 0.3 * timeout; timeout 0.2 s -> 60 ms between heartbeats.
    const { api, calls } = fakeApi([ok(TOKEN, 0.2), ok(TOKEN, 0.2)], [{ ok: true, value: null }, fail(404)]);
    const { hb } = heartbeater(api);
    const running = hb.run();
    await until(() => calls.filter((c) => c.kind === "heartbeat").length >= 3);
    hb.stop();
    await running;
    const kinds = calls.map((c) => c.kind);
    expect(kinds.slice(0, 5)).toEqual(["lookup", "heartbeat", "heartbeat", "lookup", "heartbeat"]);
    const gap = calls[2]!.at - calls[1]!.at;
    expect(gap).toBeGreaterThanOrEqual(55);
  });

  test("discovery: the first 404 posts the inventory once, then lookup goes on until the node answers", async () => {
    const { api, calls } = fakeApi([fail(404), fail(404), fail(404), ok()], [], [fail(503), { ok: true, value: "n1" }]);
    const url = "http://conductor/v1/continue_inspection";
    const { hb, state } = heartbeater(api, () => 0, { url, inventory: async () => ({ interfaces: [] }) });
    const running = hb.run();
    await until(() => calls.some((c) => c.kind === "heartbeat"), 15_000);
    hb.stop();
    await running;
    // lookup 404 -> post (503, retried) -> post ok -> lookups until found -> heartbeat
    expect(calls.map((c) => c.kind)).toEqual(["lookup", "post", "post", "lookup", "lookup", "lookup", "heartbeat"]);
    expect(calls[1]!.url).toBe(url);
    expect(calls[1]!.inventory).toEqual({ interfaces: [] });
    expect(state.node?.uuid).toBe("n1");
  });

  test("discovery: a refusal (4xx) is not retried, and without a callback URL nothing is posted", async () => {
    const refused = fakeApi([fail(404), fail(404), ok()], [], [fail(403)]);
    let { hb } = heartbeater(refused.api, () => 0, { url: "http://c/v1/continue_inspection", inventory: async () => ({}) });
    let running = hb.run();
    await until(() => refused.calls.some((c) => c.kind === "heartbeat"));
    hb.stop();
    await running;
    expect(refused.calls.filter((c) => c.kind === "post").length).toBe(1);
    const off = fakeApi([fail(404), ok()], []);
    ({ hb } = heartbeater(off.api));
    running = hb.run();
    await until(() => off.calls.some((c) => c.kind === "heartbeat"));
    hb.stop();
    await running;
    expect(off.calls.some((c) => c.kind === "post")).toBe(false);
  });
});
