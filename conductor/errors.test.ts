import { expect, test } from "bun:test";
import { isTeethError } from "../common/branded-error.ts";
import { ConductorErrors, conductorError, ERRORS, toHttpError } from "./errors.ts";

test("conductorError builds the catalogued code, status and Ironic's message, keeping args and cause", () => {
  const cause = new Error("sqlite busy");
  const e = conductorError("NODE_NOT_FOUND", { node: "n1" }, cause);
  expect(isTeethError(e)).toBe(true);
  expect(e).toMatchObject({ code: "NODE_NOT_FOUND", status: 404, message: "Node n1 could not be found.", details: { node: "n1" } });
  expect(e.cause).toBe(cause);
  expect(toHttpError(e)).toEqual({ status: 404, message: "Node n1 could not be found.", code: "NODE_NOT_FOUND" });
  expect(conductorError("AGENT_BUSY")).toMatchObject({ status: 409, message: "Agent is busy.", details: {} });
});

test("every entry has a factory and a code constant; owns() knows the conductor's errors only", () => {
  for (const code of Object.keys(ERRORS) as (keyof typeof ERRORS)[]) {
    expect(ConductorErrors.codes[code]).toBe(code);
    expect(ConductorErrors[code]({ reason: "r" }).status).toBe(ERRORS[code].status);
  }
  expect(ConductorErrors.owns(conductorError("INTERNAL", { reason: "x" }))).toBe(true);
  expect(ConductorErrors.owns(new Error("x"))).toBe(false);
  expect(toHttpError(new Error("secret detail"))).toEqual({ status: 500, message: "Internal server error.", code: "INTERNAL" });
});
