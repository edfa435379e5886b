/**
 * The YubiKey OTP interface's framing over 8-byte HID feature reports (platform.md §2.5), as
 * yubikit speaks it, so challenge-response needs no `ykman` process. The transport is what
 * node-hid's HID device offers; tests drive this code with an in-memory fake.
 */

/** node-hid's feature-report calls: reports carry the report id (0) first, then 8 bytes. */
export interface HidTransport {
  sendFeatureReport(data: number[]): number;
  getFeatureReport(reportId: number, length: number): number[] | Buffer;
}

export const SLOT_CMD = { hmacSlot1: 0x30, hmacSlot2: 0x38, configureSlot2: 0x03 } as const;

const PAYLOAD_BYTES = 64;
const FRAME_BYTES = 70; // payload 64, slot command 1, CRC 2, filler 3
const DATA_PER_REPORT = 7;
const SLOT_WRITE_FLAG = 0x80;
const RESP_PENDING_FLAG = 0x40;
const RESP_TIMEOUT_WAIT_FLAG = 0x20;
const SEQUENCE_MASK = 0x1f;
/** A report of zeros with this status byte resets the key's read state. */
const DUMMY_REPORT_WRITE = 0x8f;
export const CRC_OK_RESIDUAL = 0xf0b8;
const RESPONSE_BYTES = 22; // HMAC-SHA1 20 + CRC 2

/** CRC-16 as the YubiKey computes it (reflected 0x8408, init 0xffff, no final xor). */
export function yubikeyCrc(data: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}

/** CRC-16/X.25: the YubiKey CRC with its final inversion. */
export const crc16x25 = (data: Uint8Array) => ~yubikeyCrc(data) & 0xffff;

/** A variable-length challenge padded to 64 bytes with a byte that differs from its last one, which the key strips. */
export function padChallenge(challenge: Uint8Array): Uint8Array {
  if (challenge.length > PAYLOAD_BYTES) throw new RangeError(`a challenge holds at most ${PAYLOAD_BYTES} bytes`);
  const out = new Uint8Array(PAYLOAD_BYTES).fill(challenge.at(-1) === 0 ? 0x01 : 0x00);
  out.set(challenge);
  return out;
}

/** The 70-byte command frame: payload, slot command, CRC-16/X.25 of the payload (little-endian), 3 zeros. */
export function commandFrame(slotCommand: number, payload: Uint8Array): Uint8Array {
  if (payload.length !== PAYLOAD_BYTES) throw new RangeError(`a frame's payload is ${PAYLOAD_BYTES} bytes`);
  const frame = new Uint8Array(FRAME_BYTES);
  frame.set(payload);
  frame[64] = slotCommand;
  const crc = crc16x25(payload);
  frame[65] = crc & 0xff;
  frame[66] = crc >>> 8;
  return frame;
}

export interface HidExchangeOptions {
  /** Called once when the key waits for a touch. */
  onTouch?: () => void;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class HidTimeoutError extends Error {
  override name = "HidTimeoutError";
}

/** HMAC-SHA1 challenge-response over the OTP interface: 20 bytes, CRC-checked. */
export async function hidChallengeResponse(
  transport: HidTransport,
  slot: 1 | 2,
  challenge: Uint8Array,
  opts: HidExchangeOptions = {},
): Promise<Uint8Array> {
  const io = exchange(transport, opts);
  await io.sendFrame(commandFrame(slot === 2 ? SLOT_CMD.hmacSlot2 : SLOT_CMD.hmacSlot1, padChallenge(challenge)));
  const response = (await io.readFrame()).subarray(0, RESPONSE_BYTES);
  if (response.length !== RESPONSE_BYTES || yubikeyCrc(response) !== CRC_OK_RESIDUAL) {
    throw new Error("the YubiKey's answer failed its CRC check");
  }
  return response.slice(0, 20);
}

function exchange(transport: HidTransport, opts: HidExchangeOptions) {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const deadline = now() + (opts.timeoutMs ?? 15_000);
  const read = (): Uint8Array => Uint8Array.from(transport.getFeatureReport(0, 9)).subarray(1, 9);
  const write = (report: Uint8Array) => transport.sendFeatureReport([0, ...report]);
  const waitOr = async (what: string) => {
    if (now() > deadline) throw new HidTimeoutError(`no answer from the YubiKey within ${opts.timeoutMs ?? 15_000} ms (${what})`);
    await sleep(10);
  };
  let touchAnnounced = false;
  return {
    async sendFrame(frame: Uint8Array): Promise<void> {
      const reports = FRAME_BYTES / DATA_PER_REPORT;
      for (let seq = 0; seq < reports; seq++) {
        const chunk = frame.subarray(seq * DATA_PER_REPORT, (seq + 1) * DATA_PER_REPORT);
        // Zero chunks between the first and the last carry nothing the key does not assume.
        if (seq !== 0 && seq !== reports - 1 && chunk.every((b) => b === 0)) continue;
        while (read()[7]! & SLOT_WRITE_FLAG) await waitOr("ready to write");
        const report = new Uint8Array(8);
        report.set(chunk);
        report[7] = SLOT_WRITE_FLAG | seq;
        write(report);
      }
    },
    async readFrame(): Promise<Uint8Array> {
      const response: number[] = [];
      let seq = 0;
      for (;;) {
        const report = read();
        const status = report[7]!;
        if (status & RESP_PENDING_FLAG) {
          if ((status & SEQUENCE_MASK) === seq) {
            response.push(...report.subarray(0, DATA_PER_REPORT));
            seq++;
          } else if ((status & SEQUENCE_MASK) === 0) {
            const reset = new Uint8Array(8);
            reset[7] = DUMMY_REPORT_WRITE;
            write(reset);
            return Uint8Array.from(response);
          }
          continue;
        }
        if (status & RESP_TIMEOUT_WAIT_FLAG && !touchAnnounced) {
          touchAnnounced = true;
          opts.onTouch?.();
        }
        await waitOr("response");
      }
    },
  };
}
