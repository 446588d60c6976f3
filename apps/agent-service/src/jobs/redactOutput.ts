const OUTPUT_AUDIT_LIMIT = 4096;

const SECRET_KEY = /secret|token|password|passwd|passphrase|code|credential|api[-_]?key/i;

/** Replaces the values of secret-looking keys in JSON values. */
function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[REDACTED]' : redactValue(v)]));
  }
  return value;
}

/**
 * Redacts program output before it is kept: a JSON document has the values of secret-looking keys
 * replaced; other text has `key=value`, `key: value` and `"key": "value"` forms of such keys replaced.
 * Then it is cut to 4 KiB.
 */
export function redactOutput(text: string, limit = OUTPUT_AUDIT_LIMIT): string {
  let redacted: string;
  try {
    const parsed: unknown = JSON.parse(text);
    redacted = typeof parsed === 'object' && parsed !== null ? JSON.stringify(redactValue(parsed)) : text;
  } catch {
    redacted = text.replace(
      /(["']?)([\w.-]*(?:secret|token|password|passwd|passphrase|code|credential|api[-_]?key)[\w.-]*)\1(\s*[:=]\s*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s,;&}\]]+)/gi,
      (_all, quote: string, key: string, sep: string) => `${quote}${key}${quote}${sep}[REDACTED]`,
    );
  }
  const bytes = Buffer.from(redacted, 'utf8');
  if (bytes.length <= limit) return redacted;
  return `${bytes
    .subarray(0, limit)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}…[truncated ${bytes.length - limit} bytes]`;
}
