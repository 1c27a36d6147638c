/**
 * gophercloud (Debian golang-github-gophercloud-gophercloud-dev 0.12, the library Metal3's
 * baremetal-operator drives Ironic with) against the in-process conductor with HTTP basic
 * auth on loopback, at microversion 1.89: the operator's calls, from looking a node up by
 * name to deleting it (gophercloud-baremetal/main.go prints what each returned; this test
 * checks it). The program is built here, offline, in GOPATH mode; without `go` or the
 * library the test is skipped with the packages to install.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestConductor, type TestConductor } from "./helpers/harness.ts";

const GOPATH = "/usr/share/gocode";
const missing = !Bun.which("go") || !existsSync(join(GOPATH, "src/github.com/gophercloud/gophercloud/openstack/baremetal"));
if (missing) console.warn("gophercloud test skipped: apt-get install golang-go golang-github-gophercloud-gophercloud-dev");

const USER = "metal3";
const PASSWORD = "gopher-pw-1";
let tc: TestConductor;
let dir: string;
let bin: string;

beforeAll(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), "teeth-gophercloud-"));
  const hash = (await Bun.password.hash(PASSWORD, { algorithm: "bcrypt", cost: 4 })).replace("$2b$", "$2y$");
  writeFileSync(join(dir, "htpasswd"), `${USER}:${hash}\n`);
  bin = join(dir, "gophercloud-baremetal");
  const build = Bun.spawn(["go", "build", "-o", bin, join(import.meta.dir, "gophercloud-baremetal", "main.go")], {
    env: { ...process.env, GO111MODULE: "off", GOPATH, GOCACHE: join(dir, "gocache"), GOFLAGS: "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [err, code] = await Promise.all([new Response(build.stderr).text(), build.exited]);
  if (code !== 0) throw new Error(`go build failed: ${err}`);
  tc = await startTestConductor({
    auth: { strategy: "http_basic", htpasswd_file: join(dir, "htpasswd") },
    cleaning: { automated_clean: false },
    interfaces: { enabled: { deploy: ["direct", "fake"] } },
  });
}, 300_000);
afterAll(async () => {
  await tc?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(password: string) {
  const p = Bun.spawn([bin, tc.url], { env: { PATH: process.env.PATH ?? "", TEETH_BASIC_USER: USER, TEETH_BASIC_PASSWORD: password }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  const steps: Record<string, any> = {};
  for (const line of stdout.split("\n").filter(Boolean)) {
    const r = JSON.parse(line);
    steps[r.step] = r;
  }
  return { steps, code, stderr };
}

test.skipIf(missing)("a wrong password is refused at the first call", async () => {
  const { steps, code } = await run("wrong");
  expect(code).toBe(1);
  // The operator's first call is the lookup: gophercloud reports the 401 as an error, not a 404.
  expect(steps.lookup_missing.not_found).toBe(false);
});

test.skipIf(missing)("Metal3's gophercloud calls: every one works and reads back what it set", async () => {
  const { steps, code, stderr } = await run(PASSWORD);
  const failed = Object.values(steps).find((s) => s.error);
  expect({ failed: failed ?? null, code, stderr }).toEqual({ failed: null, code: 0, stderr: "" });
  expect(steps.lookup_missing.not_found).toBe(true);
  expect(steps.create).toMatchObject({ state: "enroll", deploy_interface: "fake", owner: "metal3" });
  expect(steps.port.by_address).toEqual([steps.port.created]);
  expect(steps.get_by_name.uuid_matches).toBe(true);
  expect(steps.maintenance_patch).toMatchObject({ set: true, cleared: false });
  expect(steps.validate).toMatchObject({ power: true, management: true });
  expect(steps.power.power_state).toBe("power on");
  expect(steps.boot_device).toMatchObject({ device: "pxe", supported_has_pxe: true });
  expect(steps.manage_provide.state).toBe("available");
  // paged: gophercloud 0.12 looks for the next page in `nodes_links`; Ironic (and Teeth) answer
  // `next`, so it reads the first page only, against Ironic too.
  expect(steps.lists).toEqual({
    step: "lists", all: ["bmo-1", "bmo-2"], detail: ["bmo-1", "bmo-2"], available: ["bmo-1"], owner: ["bmo-1"], paged: ["bmo-1"], group: ["bmo-1", "bmo-2"],
  });
  // A repeated parameter (gophercloud 0.12's form of a list) is Ironic's 400, word for word.
  expect(JSON.parse(JSON.parse(steps.fields.error_400).error_message).faultstring).toBe("Expected string for fields: ['uuid', 'name']");
  expect(steps.allocation).toMatchObject({ state: "active", node_matches: true });
  expect(steps.deploy).toMatchObject({ state: "active", last_error: "" });
  expect(steps.undeploy).toMatchObject({ state: "available", instance_info: {} });
  expect(steps.delete.left).toEqual([]);
}, 120_000);
