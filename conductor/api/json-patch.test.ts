import { expect, test } from "bun:test";
import { applyPatch } from "./json-patch.ts";

const W = new Set(["name", "extra", "driver_info"]);

test("add, replace, remove inside dict fields", () => {
  const doc = { name: "a", extra: { k: 1 }, driver_info: {} };
  const out = applyPatch(doc, [
    { op: "replace", path: "/name", value: "b" },
    { op: "add", path: "/driver_info/ipmi_address", value: "10.0.0.1" },
    { op: "remove", path: "/extra/k" },
  ], W);
  expect(out).toEqual({ name: "b", extra: {}, driver_info: { ipmi_address: "10.0.0.1" } });
  expect(doc.name).toBe("a");
});

test("refuses internal fields, missing keys and prototype keys", () => {
  expect(() => applyPatch({}, [{ op: "replace", path: "/provision_state", value: "active" }], W)).toThrow(/internal attribute/);
  expect(() => applyPatch({ extra: {} }, [{ op: "remove", path: "/extra/nope" }], W)).toThrow(/non-existent/);
  expect(() => applyPatch({ extra: {} }, [{ op: "add", path: "/extra/__proto__", value: {} }], W)).toThrow(/Invalid patch path/);
  expect(() => applyPatch({ extra: { a: 1 } }, [{ op: "add", path: "/extra/a/b", value: 1 }], W)).toThrow();
});
