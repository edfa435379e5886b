import { createHash } from "node:crypto";
import { EngramApiError, EngramClient } from "@engram/client";
import { errorMessage } from "./results.js";

export type KeyVerdict = { ok: true } | { ok: false; status: 401 | 503; message: string };

/** A key is asked about again after this long: a revoked key can open sessions for at most a minute (its tool calls fail at once). */
const VALID_FOR_MS = 60_000;
/** Distinct keys remembered; past this the oldest is forgotten (one more round trip for it, nothing worse). */
const MAX_REMEMBERED = 1_000;
const CHECK_TIMEOUT_MS = 5_000;

/** sha256 of the key ("" for none): how keys are told apart in memory without holding them. */
export function keyId(key: string | undefined): string {
  return createHash("sha256").update(key ?? "", "utf8").digest("hex");
}

/**
 * Asks engram-server whether a key is real before engram-mcp keeps a session for it, so a
 * made-up bearer string costs one round trip and no memory. The probe is `GET /spaces`: small,
 * and authentication runs before the scope check, so any real key gets 200 (or 403 for a key
 * without the read scope, which still proves it authenticated) and any other gets 401.
 * Only positive answers are remembered, briefly; concurrent checks of one key share a request.
 */
export class KeyCheck {
  private readonly valid = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<KeyVerdict>>();

  constructor(private readonly engramUrl: string) {}

  check(key: string | undefined): Promise<KeyVerdict> {
    const id = keyId(key);
    const until = this.valid.get(id);
    if (until !== undefined && until > Date.now()) return Promise.resolve({ ok: true });
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = this.ask(id, key).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    return pending;
  }

  private async ask(id: string, key: string | undefined): Promise<KeyVerdict> {
    try {
      await new EngramClient({ baseUrl: this.engramUrl, apiKey: key, timeoutMs: CHECK_TIMEOUT_MS }).listSpaces();
    } catch (err) {
      if (err instanceof EngramApiError && err.status === 401) return { ok: false, status: 401, message: `engram-server refused the key: ${err.message}` };
      if (!(err instanceof EngramApiError && err.status === 403)) return { ok: false, status: 503, message: `cannot check the key with engram-server: ${errorMessage(err)}` };
    }
    this.valid.delete(id);
    this.valid.set(id, Date.now() + VALID_FOR_MS);
    if (this.valid.size > MAX_REMEMBERED) this.valid.delete(this.valid.keys().next().value!);
    return { ok: true };
  }
}
