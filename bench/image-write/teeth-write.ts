/**
 * @module bench/image-write/teeth-write
 * Drives the image engine once, in a plain bun process without the agent around it, and
 * prints one JSON line: the result, wall time and this process's peak RSS (VmHWM). For
 * profiling the engine alone (`bun --inspect`, perf); the benchmark (run.sh) drives the
 * compiled agent instead. Only this entry point reads argv.
 *
 * @example
 * bun bench/image-write/teeth-write.ts --device /dev/loop3 --url http://127.0.0.1:8080/img.raw \
 *   --sha256 <hex> [--format raw|qcow2] [--retry-interval 0] [--gc-every-mib 32]
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { createExec } from "../../common/exec.ts";
import { createLogger } from "../../common/logger.ts";
import { writeImage } from "../../machine/image/index.ts";

const { values } = parseArgs({
  options: {
    device: { type: "string" },
    url: { type: "string" },
    sha256: { type: "string" },
    format: { type: "string" },
    "retry-interval": { type: "string", default: "10" },
    retries: { type: "string", default: "9" },
    "gc-every-mib": { type: "string" },
  },
});
if (!values.device || !values.url || !values.sha256) {
  console.error("usage: teeth-write.ts --device DEV --url URL --sha256 HEX [--format F]");
  process.exit(2);
}

function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

const started = performance.now();
try {
  const result = await writeImage({
    device: values.device,
    imageInfo: {
      id: "bench",
      urls: [values.url],
      os_hash_algo: "sha256",
      os_hash_value: values.sha256,
      disk_format: values.format ?? null,
    },
    logger: createLogger({ level: "warn", destination: 2 }),
    ...(values["gc-every-mib"] ? { gcEveryBytes: Number(values["gc-every-mib"]) * 1048576 } : {}),
    exec: createExec(),
    download: {
      connectionTimeoutS: 60,
      connectionRetries: Number(values.retries),
      retryIntervalS: Number(values["retry-interval"]),
      maxDurationS: 0,
    },
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ ok: true, seconds, peak_rss: peakRssBytes(), result }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, peak_rss: peakRssBytes(), error: String(error), code: (error as { code?: string }).code }));
  process.exit(1);
}
