/**
 * @module common/secrets
 * Which keys hold secrets and how they are masked (`******`) before a dict leaves the process
 * (API views, the lookup body, the node sent to an agent, logs). Ironic masks with oslo's
 * `mask_dict_password`; the rules here are a superset: every key oslo masks, plus
 * `snmp_community`, `*_key`, `*_secret`, `*_token`, `*_password` spellings, at any depth,
 * inside lists too, and a secret key hides its whole value (oslo recurses into a dict under
 * a secret key, which would show `{"bmc_secret": {"value": ...}}`).
 */

/** What a masked value reads as (Ironic's). */
export const MASK = "******";

/**
 * Key names whose values are secrets, matched case-insensitively anywhere in the key
 * (oslo's `_SANITIZE_KEYS` are substrings too): passwords, secrets, tokens, passphrases,
 * credentials, SNMP communities, config drives (tenant data), cookies, authorization
 * headers, and anything ending in `key`/`keys` (`ssh_key`, `snmp_priv_key`, `fernetkey`).
 */
export const SECRET_KEY =
  /pass(?:word|wd|phrase)|adminpass|admin_pass|new_pass|pswd|secret|token|credential|community|configdrive|cookie|authorization|keys?$/i;

/** True when a dict key names a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

// Words whose `word=value`, `"word": "value"` or `--word value` forms inside free text are masked.
const WORDS = String.raw`[\w.-]*(?:pass(?:word|wd|phrase)|pswd|secret|token|credential|community|authorization|_key|temp_url_sig|signature)[\w.-]*`;
const TEXT_RULES: [RegExp, string][] = [
  // URL userinfo: scheme://user:secret@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]*@/gi, `$1${MASK}@`],
  // "password": "x"  /  'password': 'x'
  [new RegExp(String.raw`(["']${WORDS}["']\s*:\s*["'])[^"']*(["'])`, "gi"), `$1${MASK}$2`],
  // password=x, password: x, ?token=x&
  [new RegExp(String.raw`(\b${WORDS}\s*[=:]\s*)(?!["'])[^\s"'&,;)}\]]+`, "gi"), `$1${MASK}`],
  // --password x
  [new RegExp(String.raw`(--${WORDS}\s+)[^\s"'=-][^\s"']*`, "gi"), `$1${MASK}`],
];

/**
 * Masks secrets written inside free text (an error message, a command line, a URL).
 * @example
 * maskSecretsInText("ipmitool -U admin --password hunter2"); // "ipmitool -U admin --password ******"
 */
export function maskSecretsInText(text: string): string {
  let out = text;
  for (const [re, sub] of TEXT_RULES) out = out.replace(re, sub);
  return out;
}

/**
 * A deep copy of `value` with every secret masked: values under secret keys become `******`
 * (null and "" stay, so an operator sees that nothing is set), strings elsewhere go through
 * `maskSecretsInText`. Depth is bounded: anything deeper than 64 levels is masked whole.
 * @example
 * maskSecrets({ bmc: { password: "x", address: "10.0.0.1" } }); // { bmc: { password: "******", address: "10.0.0.1" } }
 */
export function maskSecrets<T>(value: T, depth = 0): T {
  if (depth > 64) return MASK as T;
  if (typeof value === "string") return maskSecretsInText(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1)) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretKey(k) ? (v === null || v === "" ? v : MASK) : maskSecrets(v, depth + 1);
  }
  return out as T;
}
