import { describe, expect, test } from "bun:test";
import type { ConductorContext } from "./context.ts";
import { kexecIntoInstance } from "./kexec-instance.ts";
import type { NodeRecord } from "../store/node-record.ts";

/** An agent that answers kexec_boot and then goes silent: a probe without its own bound hangs. */
function silentAfterKexec() {
  const probes: Array<number | undefined> = [];
  let kexeced = false;
  const agent = {
    async execute() {
      kexeced = true;
      return { id: "1", command_name: "kexec_boot", command_status: "SUCCEEDED", command_result: { result: "booting" }, command_error: null, command_params: {} };
    },
    listCommands(_node: unknown, opts?: { timeoutS?: number }) {
      probes.push(opts?.timeoutS);
      if (!kexeced) return Promise.resolve([]);
      // A silent address: only the caller's own bound ends the wait (60 s is the command timeout).
      return new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), (opts?.timeoutS ?? 60) * 1000));
    },
  };
  const ctx = { agent, config: { agent: { kexec_confirm_s: 30 } } } as unknown as ConductorContext;
  return { ctx, probes };
}

describe("kexecIntoInstance", () => {
  test("a silent address after kexec_boot is taken for a kexec after two short probes, not after the command timeout", async () => {
    const { ctx, probes } = silentAfterKexec();
    const r = await kexecIntoInstance(ctx, { uuid: "n1", instance_info: {} } as unknown as NodeRecord);
    expect(r.ok).toBe(true);
    expect(probes.length).toBe(2);
    for (const t of probes) expect(t).toBeLessThanOrEqual(5);
  }, 20_000);
});
