import { expect, test } from "bun:test";
import { z } from "zod";
import { describeZodError } from "../common/zod-issues.ts";
import { booleanField, queryBoolean } from "./ironic-fields.ts";

const ACCEPTABLE = "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'";

test("query booleans read oslo's words in any case, as Ironic's args.boolean, and name the field when wrong", () => {
  const Q = z.object({ detail: queryBoolean.optional() });
  expect(["True", "1", "yes", "on", " t "].map((s) => Q.parse({ detail: s }).detail)).toEqual([true, true, true, true, true]);
  expect(["False", "0", "no", "off"].map((s) => Q.parse({ detail: s }).detail)).toEqual([false, false, false, false]);
  const bad = Q.safeParse({ detail: "maybe" });
  expect(bad.success ? "" : describeZodError(bad.error)).toBe(`detail: Unrecognized value 'maybe', acceptable values are: ${ACCEPTABLE}`);
});

test("a boolean body field keeps Ironic's standalone wording", () => {
  const B = z.object({ pxe_enabled: booleanField("pxe_enabled") });
  expect(B.parse({ pxe_enabled: "Yes" }).pxe_enabled).toBe(true);
  expect(B.parse({ pxe_enabled: false }).pxe_enabled).toBe(false);
  const bad = B.safeParse({ pxe_enabled: 3 });
  expect(bad.success ? "" : describeZodError(bad.error)).toBe(`Invalid pxe_enabled: Unrecognized value '3', acceptable values are: ${ACCEPTABLE}`);
});
