/**
 * @module hardware-managers/generic/index.test
 * The generic manager implements only known operations (so its names are typed and the
 * plugin loader's spelling check would pass it), and every step it advertises has an operation.
 */
import { expect, test } from "bun:test";
import { KNOWN_OPERATIONS, type Operations } from "../contract/index.ts";
import { genericHardwareManager } from "./index.ts";

test("every operation of the generic manager is a known operation", () => {
  const names = Object.keys(genericHardwareManager.operations ?? {});
  expect(names.filter((n) => !(KNOWN_OPERATIONS as readonly string[]).includes(n))).toEqual([]);
  expect(names.length).toBe(KNOWN_OPERATIONS.length);
});

test("every advertised step has an operation of the same name", () => {
  const steps = [genericHardwareManager.cleanSteps, genericHardwareManager.deploySteps, genericHardwareManager.serviceSteps].flatMap((s) => (Array.isArray(s) ? s : []));
  expect(steps.filter((s) => typeof (genericHardwareManager.operations as Operations)[s.step] !== "function").map((s) => s.step)).toEqual([]);
});
