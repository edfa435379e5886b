/**
 * Secret scrubbing for POST /gate/complete: a command's output is stored only after every
 * known secret is replaced, and for secrets long enough to be recognisable when encoded
 * (8 characters or more) also their base64 forms (standard, URL-safe, unpadded) and their
 * percent-encoded forms, which is how secrets leak through `curl -v`, basic-auth headers and
 * URLs. Shorter secrets are replaced as written only: their encodings would match by chance.
 */
export const REDACTED = "[REDACTED]";
export const REDACTED_B64 = "[REDACTED:b64]";
export const REDACTED_PCT = "[REDACTED:pct]";
const MIN_ENCODED_LENGTH = 8;

const urlSafe = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");

/**
 * Every base64 spelling of the secret's UTF-8 bytes, longest first (a padded form contains its
 * unpadded one). Besides the secret encoded alone, the characters it fixes when it sits at any
 * of the three byte offsets inside a longer encoded text ("user:secret" in a basic-auth header):
 * those do not depend on the bytes around it.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const std = bytes.toString("base64");
  const forms = [std, std.replace(/=+$/, "")];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    forms.push(encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6)));
  }
  return [...new Set(forms.flatMap((f) => [f, urlSafe(f)]))].sort((a, b) => b.length - a.length);
}

/** Percent-encoded spellings: URI-component encoding in both hex cases, and every byte encoded. */
function percentForms(secret: string): string[] {
  const component = encodeURIComponent(secret);
  const everyByte = [...Buffer.from(secret, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
  const forms = [component, component.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), everyByte, everyByte.toLowerCase()];
  return [...new Set(forms)].filter((f) => f !== secret);
}

const replaceAll = (text: string, find: string, by: string) => (find.length === 0 ? text : text.split(find).join(by));

export function scrubSecrets(output: string, secrets: readonly string[]): string {
  // Longer secrets first, so one that contains another is replaced whole.
  const ordered = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  let out = output;
  for (const secret of ordered) out = replaceAll(out, secret, REDACTED);
  for (const secret of ordered) {
    if (secret.length < MIN_ENCODED_LENGTH) continue;
    for (const form of base64Forms(secret)) out = replaceAll(out, form, REDACTED_B64);
    for (const form of percentForms(secret)) out = replaceAll(out, form, REDACTED_PCT);
  }
  return out;
}
