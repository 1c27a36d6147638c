/**
 * @module common/error-catalogue.test
 * A catalogue's factories build branded errors with the entry's code, status, message,
 * details and cause; its codes are constants; `owns` and `hasCode` recognise its errors.
 */
import { expect, test } from "bun:test";
import { TeethError, isTeethError } from "./branded-error.ts";
import { defineErrorCatalogue, hasCode, type ErrorSpecs } from "./error-catalogue.ts";

const Errors = defineErrorCatalogue({
  tooBig: {
    code: "ThingTooBig",
    status: 400,
    message: (size: number, limit: number) => `${size} bytes is more than ${limit}`,
    details: (size: number, limit: number) => ({ size, limit }),
  },
  broken: { code: "ThingBroken", status: 500, message: (_cause: unknown) => "it broke", cause: (cause: unknown) => cause },
} satisfies ErrorSpecs);

test("factories build branded errors from the entry", () => {
  const e = Errors.tooBig(10, 5);
  expect(isTeethError(e)).toBe(true);
  expect({ code: e.code, status: e.status, message: e.message, details: e.details }).toEqual({
    code: "ThingTooBig",
    status: 400,
    message: "10 bytes is more than 5",
    details: { size: 10, limit: 5 },
  });
  const cause = new Error("disk on fire");
  expect(Errors.broken(cause).cause).toBe(cause);
});

test("codes are constants; owns and hasCode recognise the catalogue's errors only", () => {
  expect(Errors.codes).toEqual({ tooBig: "ThingTooBig", broken: "ThingBroken" });
  expect(Errors.owns(Errors.broken(null))).toBe(true);
  expect(Errors.owns(new TeethError("Other", "x"))).toBe(false);
  expect(Errors.owns(new Error("ThingBroken"))).toBe(false);
  expect(hasCode(Errors.tooBig(1, 0), Errors.codes.tooBig)).toBe(true);
  expect(hasCode(Errors.tooBig(1, 0), Errors.codes.broken)).toBe(false);
});

test("'codes' and 'owns' cannot be entry names", () => {
  expect(() => defineErrorCatalogue({ codes: { code: "X", status: 500, message: () => "" } } as ErrorSpecs)).toThrow(/reserved/);
});
