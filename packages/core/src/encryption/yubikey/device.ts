import { createHmac } from "node:crypto";

/** A YubiKey's HMAC-SHA1 challenge-response, or a stand-in for it (platform.md §2.5). */
export interface ChallengeResponseDevice {
  describe(): Promise<{ kind: "hid" | "software"; serial?: number; firmware?: string }>;
  /** The 20-byte HMAC-SHA1 of the challenge under the slot's secret. */
  challengeResponse(slot: 1 | 2, challenge: Uint8Array): Promise<Uint8Array>;
  programHmacSlot(slot: 1 | 2, secret: Uint8Array, opts: { touch: boolean }): Promise<void>;
}

export const HMAC_SECRET_BYTES = 20;

/**
 * The YubiKey emulated in software, for tests and CI: HMAC-SHA1(secret, challenge) over the
 * unpadded challenge, as a key programmed for variable-length challenges answers. Not
 * hardware-backed: the secret is in this process's memory.
 */
export function softwareDevice(secret: Uint8Array): ChallengeResponseDevice {
  if (secret.length !== HMAC_SECRET_BYTES) throw new RangeError(`the slot secret must be ${HMAC_SECRET_BYTES} bytes, got ${secret.length}`);
  const slots = new Map<1 | 2, Buffer>([[2, Buffer.from(secret)]]);
  return {
    describe: async () => ({ kind: "software" }),
    challengeResponse: async (slot, challenge) => {
      const key = slots.get(slot);
      if (!key) throw new Error(`slot ${slot} is not programmed for HMAC-SHA1 challenge-response`);
      return new Uint8Array(createHmac("sha1", key).update(challenge).digest());
    },
    programHmacSlot: async (slot, newSecret) => {
      if (newSecret.length !== HMAC_SECRET_BYTES) throw new RangeError(`the slot secret must be ${HMAC_SECRET_BYTES} bytes, got ${newSecret.length}`);
      slots.set(slot, Buffer.from(newSecret));
    },
  };
}
