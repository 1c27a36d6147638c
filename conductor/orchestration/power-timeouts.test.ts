import { expect, test } from "bun:test";
import { isTeethError } from "../../common/branded-error.ts";
import type { NodeRecord } from "../store/node-record.ts";
import { bounded } from "./power-timeouts.ts";

const node = { uuid: "n-1", driver: "ipmi" } as NodeRecord;

test("a driver call that never settles fails with BMC_TIMEOUT naming the action and the bound", async () => {
  const never = new Promise<string>(() => {});
  const e = await bounded(node, "power on", 0.05, () => never, 0).catch((x) => x);
  expect(isTeethError(e) && e.code).toBe("BMC_TIMEOUT");
  expect(e.message).toBe('ipmi BMC of node n-1 did not complete "power on" within 0.05 s');
});

test("a call that settles in time passes its value or its error through", async () => {
  expect(await bounded(node, "get power state", 5, async () => "power on", 0)).toBe("power on");
  const boom = new Error("rmcp closed");
  expect(await bounded(node, "x", 5, async () => Promise.reject(boom), 0).catch((x) => x)).toBe(boom);
});
