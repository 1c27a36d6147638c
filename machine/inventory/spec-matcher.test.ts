import { expect, test } from "bun:test";
import { matchNumber, matchString, parseSpec } from "./spec-matcher.ts";

test("parseSpec reads operators (longest first, case-insensitive) and values", () => {
  expect(parseSpec(">= 100")).toEqual({ op: ">=", values: ["100"] });
  expect(parseSpec("S== Samsung SSD")).toEqual({ op: "s==", values: ["Samsung SSD"] });
  expect(parseSpec("<or> a <or> b c <or> d")).toEqual({ op: "<or>", values: ["a", "b c", "d"] });
  expect(parseSpec("<all-in> x y")).toEqual({ op: "<all-in>", values: ["x", "y"] });
  expect(parseSpec("<in> intel")).toEqual({ op: "<in>", values: ["intel"] });
  expect(parseSpec("sata disk")).toEqual({ op: null, values: ["sata disk"] });
  expect(parseSpec("<")).toEqual({ op: null, values: ["<"] });
});

test("numeric operators compare as numbers; '=' means at least, as in specs_matcher", () => {
  const m = (v: number, e: string) => matchNumber(v, parseSpec(e));
  expect(m(100, "== 100")).toBe(true);
  expect(m(100, "!= 100")).toBe(false);
  expect(m(100, ">= 100")).toBe(true);
  expect(m(100, "<= 99")).toBe(false);
  expect(m(100, "> 99")).toBe(true);
  expect(m(100, "< 100")).toBe(false);
  expect(m(120, "= 100")).toBe(true);
  expect(m(100, "<or> 50 <or> 100")).toBe(true);
  expect(m(100, "s== 100")).toBe(true);
  expect(m(100, "<in> 10")).toBe(true);
});

test("string operators", () => {
  const m = (v: string, e: string) => matchString(v, parseSpec(e));
  expect(m("abc", "s== abc")).toBe(true);
  expect(m("abc", "s!= abc")).toBe(false);
  expect(m("b", "s>= a")).toBe(true);
  expect(m("b", "s<= a")).toBe(false);
  expect(m("b", "s> a")).toBe(true);
  expect(m("b", "s< a")).toBe(false);
  expect(m("samsung ssd 860", "<in> ssd")).toBe(true);
  expect(m("samsung ssd 860", "<all-in> ssd 870")).toBe(false);
  expect(m("b", "<or> a <or> b")).toBe(true);
  expect(m("abc", "abc")).toBe(true);
});
