/**
 * prepare_image through the compiled agent's command API, on a real loop device: each way an
 * image can fail fails the command with its own error type, the agent keeps answering, and a
 * disk that held a partition table before holds none after (no half-written image can boot).
 * Then a good image, its connection cut once, is written byte for byte.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gptImage, qcow2, randomImage } from "../../machine/image/testing/fixtures.ts";
import { startImageServer, type ImageServer } from "../../machine/image/testing/image-server.ts";
import { createLoopDevice, hasPartitionTable, type LoopDevice } from "../support/loop-device.ts";
import { freePort, startAgentProcess, type AgentProcess } from "../support/agent-process.ts";

const MiB = 1 << 20;
// At least 4 GiB: with no root device hints the agent installs to the smallest disk of 4 GiB
// or more. The backing file is sparse.
const DISK = 4096 * MiB + 64 * MiB;
const TOKEN = "prepare-image-test-token-0123456789abcdefghij";
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let loop: LoopDevice;
let images: ImageServer;
let agent: AgentProcess;

async function prepareImage(imageInfo: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${agent.base}/v1/commands/?agent_token=${TOKEN}&wait=true`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: "standby.prepare_image", params: { image_info: { id: "img", ...imageInfo } } }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

/** Puts a real GPT on the disk, as a previous tenant's install would have left. */
function installOldTable() {
  const old = gptImage(8 * MiB);
  const fd = fs.openSync(loop.path, "r+");
  try {
    fs.writeSync(fd, old, 0, old.length, 0);
    execFileSync("sgdisk", ["-e", loop.path], { stdio: "ignore" }); // backup header at the end too
  } finally {
    fs.closeSync(fd);
  }
  expect(diskHasTable()).toBe(true);
}

function diskHasTable(): boolean {
  return hasPartitionTable(loop.read(0, MiB), loop.read(DISK - MiB, MiB));
}

beforeAll(async () => {
  loop = createLoopDevice(DISK);
  images = await startImageServer();
  agent = await startAgentProcess([
    `--ipa-agent-token=${TOKEN}`,
    "--teeth-auto-tls=0",
    `--teeth-only-disks=${loop.path}`,
    "--ipa-image-download-connection-retries=1",
    "--ipa-image-download-connection-retry-interval=0",
    "--ipa-image-download-connection-timeout=2",
  ]);
  await agent.waitForStatus();
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await images?.close();
  loop?.detach();
});

describe("prepare_image through the agent binary", () => {
  const good = randomImage(6 * MiB, [[MiB, 2 * MiB]]);
  const goodQcow2 = qcow2(good);
  const unreachable = async () => `http://127.0.0.1:${await freePort()}/gone.raw`;

  // [what, the command_error types it may end in, image_info]
  const failures: Array<[string, string[], () => Promise<Record<string, unknown>>]> = [
    ["a wrong checksum", ["ImageChecksumMismatch"], async () => {
      images.put("/wrong.raw", good);
      return { urls: [images.url("/wrong.raw")], disk_format: "raw", os_hash_algo: "sha256", os_hash_value: "0".repeat(64) };
    }],
    ["a stream that always ends early", ["ImageShortRead"], async () => {
      images.put("/short.raw", good, { truncateAt: 3 * MiB });
      return { urls: [images.url("/short.raw")], disk_format: "raw", os_hash_algo: "sha256", os_hash_value: sha256(good) };
    }],
    // The resume asks for the missing tail: 416, as the engine's own test explains.
    ["a server that claims more bytes than it sends", ["ImageHttpStatus", "ImageLengthMismatch"], async () => {
      images.put("/lie.raw", good, { lieLength: 4096 });
      return { urls: [images.url("/lie.raw")], disk_format: "raw", os_hash_algo: "sha256", os_hash_value: sha256(good) };
    }],
    ["a qcow2 image declared raw", ["ImageFormatMismatch"], async () => {
      images.put("/mismatch.img", goodQcow2);
      return { urls: [images.url("/mismatch.img")], disk_format: "raw", os_hash_algo: "sha256", os_hash_value: sha256(goodQcow2) };
    }],
    ["an unreachable URL", ["ImageConnectionFailed"], async () => {
      return { urls: [await unreachable()], disk_format: "raw", os_hash_algo: "sha256", os_hash_value: sha256(good) };
    }],
    ["an image larger than the disk", ["ImageDiskFull"], async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "teeth-big-"));
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", path.join(dir, "big.qcow2"), "8G"]);
      const big = fs.readFileSync(path.join(dir, "big.qcow2"));
      fs.rmSync(dir, { recursive: true, force: true });
      images.put("/big.qcow2", big);
      return { urls: [images.url("/big.qcow2")], disk_format: "qcow2", os_hash_algo: "sha256", os_hash_value: sha256(big) };
    }],
  ];

  for (const [what, types, info] of failures) {
    test(`${what}: ${types.join(" or ")}, the agent still answers, no partition table left`, async () => {
      installOldTable();
      const r = await prepareImage(await info());
      expect(r.command_status).toBe("FAILED");
      expect(types).toContain(r.command_error.type);
      expect((await fetch(`${agent.base}/v1/status`)).status).toBe(200);
      expect(diskHasTable()).toBe(false);
    }, 60_000);
  }

  test("invalid image_info is refused before the disk is touched: the old table stays", async () => {
    installOldTable();
    const r = await prepareImage({ urls: [], disk_format: "raw" });
    expect(r.command_status).toBe("FAILED");
    expect(r.command_error.type).toBe("ImageInfoInvalid");
    expect(diskHasTable()).toBe(true);
  }, 60_000);

  test("then a good qcow2 image, its connection cut once, is written byte for byte", async () => {
    images.put("/good.qcow2", goodQcow2, { dropAt: [Math.floor(goodQcow2.length / 2)] });
    const r = await prepareImage({ urls: [images.url("/good.qcow2")], disk_format: "qcow2", os_hash_algo: "sha256", os_hash_value: sha256(goodQcow2) });
    expect(r.command_status).toBe("SUCCEEDED");
    expect(r.command_result).toMatchObject({ device: loop.path, format: "qcow2", resumes: 1, image_size: good.length });
    expect(loop.read(0, good.length).equals(good)).toBe(true);
  }, 60_000);
});
