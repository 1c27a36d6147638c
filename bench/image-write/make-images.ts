/**
 * @module bench/image-write/make-images
 * Builds the zero-heavy benchmark image from the random one: each 10 MiB block is 4 MiB of
 * random data then 6 MiB of zeros (60% zeros), streamed, so memory stays small.
 *
 * @example
 * bun bench/image-write/make-images.ts random.raw zeros60.raw
 */
import fs from "node:fs";

const [source, target] = process.argv.slice(2);
if (!source || !target) {
  console.error("usage: make-images.ts RANDOM_SOURCE ZEROS60_TARGET");
  process.exit(2);
}
const MiB = 1 << 20;
const size = fs.statSync(source).size;
const input = fs.openSync(source, "r");
const output = fs.openSync(`${target}.tmp`, "w");
const buf = Buffer.alloc(4 * MiB);
const zeros = Buffer.alloc(6 * MiB);
for (let at = 0; at < size; at += 10 * MiB) {
  const data = Math.min(4 * MiB, size - at);
  fs.readSync(input, buf, 0, data, at);
  fs.writeSync(output, buf, 0, data, at);
  const z = Math.min(6 * MiB, size - at - data);
  if (z > 0) fs.writeSync(output, zeros, 0, z, at + data);
}
fs.closeSync(input);
fs.closeSync(output);
fs.renameSync(`${target}.tmp`, target);
