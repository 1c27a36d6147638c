import { describe, expect, test } from "bun:test";
import type { ConductorContext } from "./context.ts";
import { fastTrackVerdict } from "./fast-track.ts";
import type { NodeRecord } from "../store/node-record.ts";

/** A node whose agent heartbeated a second ago, but whose address is now silent. */
function silentAgent() {
  const probes: Array<number | undefined> = [];
  const agent = {
    listCommands(_node: unknown, opts?: { timeoutS?: number }) {
      probes.push(opts?.timeoutS);
      return new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), (opts?.timeoutS ?? 60) * 1000));
    },
  };
  const drivers = { get: () => ({ power: { getPowerState: async () => "power on" } }) };
  const config = { agent: { fast_track: true, fast_track_timeout_s: 300, command_timeout_s: 60 }, power: { action_timeout_s: 30 } };
  const ctx = { agent, drivers, config } as unknown as ConductorContext;
  const node = { uuid: "n1", agent_url: "http://10.0.0.5:9999", agent_last_heartbeat: Date.now() - 1000, power_state: "power on" } as unknown as NodeRecord;
  return { ctx, node, probes };
}

describe("fastTrackVerdict", () => {
  test("an agent that heartbeated but no longer answers is given up after a short probe, not the command timeout", async () => {
    const { ctx, node, probes } = silentAgent();
    const v = await fastTrackVerdict(ctx, node);
    expect(v).toMatchObject({ live: false, hadAgent: true });
    expect((v as { reason: string }).reason).toContain("did not answer");
    expect(probes).toHaveLength(1);
    expect(probes[0]).toBeLessThanOrEqual(10);
  }, 20_000);
});
