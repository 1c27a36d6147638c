/**
 * @module agent/logs/log-ring
 * The last N lines the agent logged, kept in memory for `log.collect_system_logs` (a RAM disk
 * has no persistent journal). Bounded by line count and bytes.
 */
export interface LogRing {
  write(line: string): void;
  lines(): string[];
}

export function createLogRing(options: { maxLines?: number; maxBytes?: number } = {}): LogRing {
  const maxLines = options.maxLines ?? 20_000;
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  const buf: string[] = [];
  let bytes = 0;
  return {
    write(line) {
      buf.push(line);
      bytes += line.length;
      while (buf.length > maxLines || bytes > maxBytes) bytes -= buf.shift()!.length;
    },
    lines: () => [...buf],
  };
}
