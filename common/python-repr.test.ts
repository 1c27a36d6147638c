import { expect, test } from "bun:test";
import { pythonRepr } from "./python-repr.ts";

test("JSON values read as Python's repr prints them", () => {
  expect(pythonRepr({ interface: "deploy", step: "erase_devices" })).toBe("{'interface': 'deploy', 'step': 'erase_devices'}");
  expect(pythonRepr({ args: { force: true, off: false, none: null, n: 3, l: [1, "a"] } })).toBe("{'args': {'force': True, 'off': False, 'none': None, 'n': 3, 'l': [1, 'a']}}");
  expect(pythonRepr("it's")).toBe(`"it's"`);
  expect(pythonRepr(`it's "x"`)).toBe(`'it\\'s "x"'`);
  expect(pythonRepr("a\\b\nc")).toBe("'a\\\\b\\nc'");
  expect(pythonRepr({})).toBe("{}");
  expect(pythonRepr([])).toBe("[]");
});
