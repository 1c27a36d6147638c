/**
 * End to end with the real binary in both roles: `dist/teeth conductor` (fake power/boot whose
 * power script starts and stops a real `dist/teeth agent` on "power on/off", like a BMC), a
 * loop device as the disk, and the `teeth` CLI driving enroll, manage, inspect, provide
 * (cleaning with metadata erase), deploy of a served image (bytes on the loop device match),
 * undeploy, and a bad-checksum deploy landing in `deploy failed` with the reason.
 *
 * Runs as root with dist/teeth built. The agent is confined to the test's loop device with
 * `--teeth-only-disks`, so nothing else on the host can be erased or written; every other
 * device also goes into the node's `skip_block_devices`, as an operator would do.
 */
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./helpers/harness.ts";

const ROOT = join(import.meta.dir, "../..");
const TEETH = join(ROOT, "dist/teeth");
const ENABLED = process.getuid?.() === 0 && existsSync(TEETH);
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.reverse().forEach((f) => { try { f(); } catch {} }));

function sh(cmd: string[]): string {
  const r = Bun.spawnSync(cmd);
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

test.skipIf(!ENABLED)("real conductor + real agent: inspect, clean, deploy, undeploy, bad checksum", async () => {
  const work = mkdtempSync(join(tmpdir(), "teeth-e2e-"));
  const data = join(work, "data");
  mkdirSync(join(data, "images"), { recursive: true });
  const disk = join(work, "disk.img");
  sh(["truncate", "-s", "128M", disk]);
  const loop = sh(["losetup", "-f", "--show", disk]);
  cleanups.push(() => sh(["losetup", "-d", loop]));
  const image = Buffer.from(Array.from({ length: 8 * 1024 * 1024 }, (_, i) => (i * 2654435761) >>> 24));
  writeFileSync(join(data, "images", "os.raw"), image);

  const port = freePort();
  const agentPort = freePort();
  const url = `http://127.0.0.1:${port}`;
  const script = join(work, "power.sh");
  writeFileSync(script, `#!/bin/bash
# fake BMC: "power on/reboot" with boot device pxe boots the ramdisk (starts the agent)
st=${work}; node=$1; shift
kill_agent() { [ -f $st/agent.pid ] && kill $(cat $st/agent.pid) 2>/dev/null; rm -f $st/agent.pid; sleep 0.2; }
case "$1 $2" in
  "boot pxe"|"boot disk") echo $2 > $st/bootdev ;;
  "power off") kill_agent ;;
  "power on"|"power reboot")
    kill_agent
    if [ "$(cat $st/bootdev 2>/dev/null)" = pxe ]; then
      setsid ${TEETH} agent --ipa-api-url=${url} --teeth-allow-loop-devices=1 --teeth-only-disks=${loop} --teeth-simulate-power=1 --teeth-tls-dir=$st/tls \\
        --ipa-listen-host=127.0.0.1 --ipa-listen-port=${agentPort} --ipa-advertise-host=127.0.0.1 --teeth-cmdline-file=/dev/null \\
        --ipa-lookup-interval=0.2 >> $st/agent.log 2>&1 < /dev/null &
      echo $! > $st/agent.pid
    fi ;;
esac
exit 0
`);
  chmodSync(script, 0o755);
  writeFileSync(join(work, "conductor.json"), JSON.stringify({
    log_level: "info",
    agent: { poll_interval_s: 0.5, heartbeat_timeout_s: 10 },
    cleaning: { erase_devices_priority: 0 },
    fake_hardware: { power_script: script },
  }));
  const conductor = Bun.spawn([TEETH, "conductor", "--config", join(work, "conductor.json"), "--data-dir", data, "--listen", `127.0.0.1:${port}`], {
    stdout: Bun.file(join(work, "conductor.log")),
    stderr: "inherit",
  });
  cleanups.push(() => conductor.kill("SIGKILL"));
  cleanups.push(() => { if (existsSync(join(work, "agent.pid"))) process.kill(Number(readFileSync(join(work, "agent.pid"), "utf8")), "SIGKILL"); });
  for (let i = 0; i < 100 && !(await fetch(url).then(() => true, () => false)); i++) await Bun.sleep(100);

  const teeth = (...args: string[]) => {
    const r = Bun.spawnSync([TEETH, ...args, "--url", url]);
    return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
  };
  const must = (...args: string[]) => {
    const r = teeth(...args);
    if (r.code !== 0) throw new Error(`teeth ${args.join(" ")} -> ${r.code}: ${r.err}\nagent log: ${readFileSync(join(work, "agent.log"), "utf8").slice(-3000)}`);
    return r;
  };

  const macs = [...new Set(readdirSync("/sys/class/net")
    .filter((n) => n !== "lo")
    .map((n) => readFileSync(`/sys/class/net/${n}/address`, "utf8").trim())
    .filter((m) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(m) && m !== "00:00:00:00:00:00"))];
  const skipOthers = () => {
    const others = sh(["lsblk", "-dn", "-o", "NAME"]).split("\n").map((n) => `/dev/${n.trim()}`).filter((n) => n !== loop);
    must("node", "set", "e2e", "--property", `skip_block_devices=${JSON.stringify(others.map((name) => ({ name })))}`);
  };
  must("node", "create", "--name", "e2e", "--property", `root_device={"name":"${loop}"}`);
  for (const mac of macs) must("port", "create", mac, "--node", "e2e");
  must("node", "manage", "e2e", "--wait", "--timeout", "60");
  must("node", "inspect", "e2e", "--wait", "--timeout", "120");
  const inv = JSON.parse(must("node", "inventory", "e2e", "--json").out);
  expect(inv.inventory.disks.map((d: any) => d.name)).toContain(loop);
  // metadata erase must wipe the loop device's signature
  const signature = Buffer.from("TEETH-E2E-SIGNATURE");
  const fd = require("node:fs").openSync(loop, "r+");
  require("node:fs").writeSync(fd, signature, 0, signature.length, 0);
  require("node:fs").closeSync(fd);
  skipOthers(); // just before the erase: every device but ours is skipped
  must("node", "provide", "e2e", "--wait", "--timeout", "300");
  expect(readFileSync(loop).subarray(0, signature.length).equals(signature)).toBe(false);

  const deploy = must("node", "deploy", "e2e", "--image", "os.raw", "--timeout", "300");
  expect(deploy.out).toContain("e2e: active");
  expect(readFileSync(loop).subarray(0, image.length).equals(image)).toBe(true);

  must("node", "undeploy", "e2e", "--wait", "--timeout", "300");
  const bad = teeth("node", "deploy", "e2e", "--image", "os.raw", "--image-checksum", "0".repeat(64), "--timeout", "300");
  expect(bad.code).toBe(1);
  expect(bad.err.toLowerCase()).toContain("checksum");
  const node = JSON.parse(must("node", "show", "e2e", "--json").out);
  expect(node.provision_state).toBe("deploy failed");
  expect(node.last_error.toLowerCase()).toContain("checksum");
}, 600_000);
