/**
 * @module agent/tls/auto-tls
 * IPA's auto-TLS: a self-signed EC certificate for the advertised address, valid 90 days,
 * SHA-512. The conductor pins the PEM, sent in each
 * heartbeat as `agent_verify_ca`. Made with the `openssl` tool, present in every RAM disk.
 */
import { mkdir, readFile, writeFile, rm } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import type { Exec } from "../../common/exec.ts";

export interface AgentCertificate {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
}

const CURVES: Record<string, string> = {
  p256: "prime256v1",
  secp256r1: "prime256v1",
  p384: "secp384r1",
  secp384r1: "secp384r1",
  p521: "secp521r1",
  secp521r1: "secp521r1",
};

/**
 * @example
 * const cert = await generateAgentCertificate({ exec, dir: "/run/teeth", host: "10.0.0.5", curve: "p384" });
 * Bun.serve({ tls: { cert: cert.certPem, key: cert.keyPem }, ... });
 */
export async function generateAgentCertificate(options: {
  exec: Exec;
  dir: string;
  host: string;
  curve: string;
  validDays?: number;
}): Promise<AgentCertificate> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const certPath = join(options.dir, "agent.crt");
  const keyPath = join(options.dir, "agent.key");
  const host = options.host.replace(/^\[|\]$/g, "");
  const san = isIP(host) ? `IP:${host}` : `DNS:${host}`;
  const curve = CURVES[options.curve] ?? "secp384r1";
  const config = join(options.dir, "openssl.cnf");
  // A minimal config: the SAN is what clients verify.
  await writeFile(
    config,
    `[req]\ndistinguished_name=dn\nprompt=no\nx509_extensions=ext\n[dn]\nCN=${host}\n[ext]\nsubjectAltName=${san}\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,keyCertSign\nextendedKeyUsage=serverAuth\n`,
  );
  const r = await options.exec(
    "openssl",
    [
      "req", "-x509", "-new", "-nodes", "-sha512",
      "-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${curve}`,
      "-keyout", keyPath, "-out", certPath, "-config", config, "-days", String(options.validDays ?? 90),
    ],
    { timeoutMs: 30_000 },
  );
  if (r.failed) throw new Error(`openssl could not create the agent certificate: ${r.stderr.trim()}`);
  await rm(config, { force: true });
  return { certPem: await readFile(certPath, "utf8"), keyPem: await readFile(keyPath, "utf8"), certPath, keyPath };
}
