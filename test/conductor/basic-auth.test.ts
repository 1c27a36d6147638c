/**
 * HTTP basic auth as Ironic's `auth_strategy = http_basic`: a bcrypt htpasswd file, 401 with
 * `WWW-Authenticate` and the basic-auth middleware's body, the file re-read when it changes,
 * alongside the bearer token; the ramdisk API stays open.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

let tc: TestConductor;
let dir: string;
const TOKEN = "t".repeat(24);
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
const htpasswd = async (user: string, password: string) => `${user}:${(await Bun.password.hash(password, { algorithm: "bcrypt", cost: 4 })).replace("$2b$", "$2y$")}\n`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "teeth-htpasswd-"));
  writeFileSync(join(dir, "htpasswd"), await htpasswd("metal3", "s3cret-pw"));
  tc = await startTestConductor({ auth: { strategy: ["http_basic", "token"], token: TOKEN, htpasswd_file: join(dir, "htpasswd") } });
});
afterAll(async () => {
  await tc.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test("valid credentials pass; a missing header or a wrong password is 401 with WWW-Authenticate and Ironic's body", async () => {
  expect((await tc.api("GET", "/v1/nodes", undefined, basic("metal3", "s3cret-pw"))).status).toBe(200);
  // The second call is answered from the short cache of verified pairs; it must still pass.
  expect((await tc.api("GET", "/v1/nodes", undefined, basic("metal3", "s3cret-pw"))).status).toBe(200);
  const missing = await fetch(`${tc.url}/v1/nodes`);
  expect(missing.status).toBe(401);
  expect(missing.headers.get("WWW-Authenticate")).toBe('Basic realm="Baremetal API"');
  expect(await missing.json()).toEqual({ error: { message: "Authorization required", code: 401 } });
  const wrong = await fetch(`${tc.url}/v1/nodes`, { headers: basic("metal3", "nope") });
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get("WWW-Authenticate")).toBe('Basic realm="Baremetal API"');
  expect(await wrong.json()).toEqual({ error: { message: "Incorrect username or password", code: 401 } });
  expect((await tc.api("GET", "/v1/nodes", undefined, basic("nobody", "s3cret-pw"))).status).toBe(401);
  const garbled = await tc.api("GET", "/v1/nodes", undefined, { Authorization: "Basic !!!" });
  expect([garbled.status, garbled.json]).toEqual([400, { error: { message: "Could not decode authorization token", code: 400 } }]);
});

test("the bearer token works alongside; a wrong token is the token 401", async () => {
  expect((await tc.api("GET", "/v1/nodes", undefined, { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  expect((await tc.api("GET", "/v1/nodes", undefined, { "X-Auth-Token": "x".repeat(24) })).status).toBe(401);
});

test("the ramdisk API and version discovery stay open", async () => {
  expect((await fetch(`${tc.url}/`)).status).toBe(200);
  expect((await fetch(`${tc.url}/v1/lookup?addresses=52:54:00:00:00:01`, { headers: { "X-OpenStack-Ironic-API-Version": "1.89" } })).status).toBe(404);
});

test("a changed htpasswd file is read again: the old password stops working", async () => {
  expect((await tc.api("GET", "/v1/nodes", undefined, basic("metal3", "s3cret-pw"))).status).toBe(200);
  await Bun.sleep(20); // a different mtime even on coarse clocks
  writeFileSync(join(dir, "htpasswd"), await htpasswd("metal3", "rotated-pw-2"));
  expect((await tc.api("GET", "/v1/nodes", undefined, basic("metal3", "s3cret-pw"))).status).toBe(401);
  expect((await tc.api("GET", "/v1/nodes", undefined, basic("metal3", "rotated-pw-2"))).status).toBe(200);
});

const ROOT = join(import.meta.dir, "../..");
async function run(cmd: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(cmd, { env: { PATH: process.env.PATH ?? "", HOME: dir, ...env }, stdout: "pipe", stderr: "pipe", cwd: ROOT });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}

test("teeth CLI sends HTTP basic credentials from TEETH_USER/TEETH_PASSWORD (nothing on argv)", async () => {
  writeFileSync(join(dir, "htpasswd"), await htpasswd("metal3", "cli-pw-3"));
  const ok = await run([process.execPath, join(ROOT, "main.ts"), "node", "list", "--url", tc.url], { TEETH_USER: "metal3", TEETH_PASSWORD: "cli-pw-3" });
  expect(ok.code).toBe(0);
  const bad = await run([process.execPath, join(ROOT, "main.ts"), "node", "list", "--url", tc.url], { TEETH_USER: "metal3", TEETH_PASSWORD: "wrong" });
  expect(bad.code).toBe(1);
  expect(bad.err).toContain("Incorrect username or password (HTTP 401)");
});

const BAREMETAL = Bun.which("baremetal");
test.skipIf(!BAREMETAL)("baremetal (python-ironicclient) with OS_AUTH_TYPE=http_basic", async () => {
  writeFileSync(join(dir, "htpasswd"), await htpasswd("metal3", "bm-pw-4"));
  const env = { OS_AUTH_TYPE: "http_basic", OS_ENDPOINT: tc.url, OS_USERNAME: "metal3" };
  const ok = await run([BAREMETAL!, "node", "list", "-f", "json"], { ...env, OS_PASSWORD: "bm-pw-4" });
  expect(ok.err).toBe("");
  expect(ok.code).toBe(0);
  expect(Array.isArray(JSON.parse(ok.out))).toBe(true);
  const bad = await run([BAREMETAL!, "node", "list"], { ...env, OS_PASSWORD: "nope" });
  expect(bad.code).not.toBe(0);
}, 60_000);
