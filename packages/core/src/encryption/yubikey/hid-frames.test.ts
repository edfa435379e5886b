import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { softwareDevice } from "./device.js";
import { commandFrame, crc16x25, CRC_OK_RESIDUAL, hidChallengeResponse, padChallenge, yubikeyCrc, type HidTransport } from "./hid-frames.js";

/**
 * A YubiKey's OTP interface in memory (platform.md §2.5): it assembles the frame from the
 * feature reports, checks its CRC and slot command, makes the caller wait through a "touch
 * pending" phase, then answers HMAC-SHA1 of the unpadded challenge in pending-flagged reports.
 */
function fakeYubiKey(secret: Buffer, touchReads = 3) {
  const frame = new Uint8Array(70);
  const seen: number[] = [];
  let outgoing: Uint8Array[] = [];
  let touchLeft = 0;
  const log = { frames: 0, resets: 0, badCrc: 0 };
  const transport: HidTransport = {
    sendFeatureReport(data) {
      expect(data).toHaveLength(9);
      const report = Uint8Array.from(data.slice(1));
      if (report[7] === 0x8f) {
        log.resets++;
        outgoing = [];
        return 9;
      }
      expect(report[7]! & 0x80).toBe(0x80);
      const seq = report[7]! & 0x1f;
      if (seq === 0) frame.fill(0), (seen.length = 0);
      seen.push(seq);
      frame.set(report.subarray(0, 7), seq * 7);
      if (seq === 9) answer();
      return 9;
    },
    getFeatureReport(reportId, length) {
      expect([reportId, length]).toEqual([0, 9]);
      const status = new Uint8Array(8);
      if (touchLeft > 0) {
        touchLeft--;
        status[7] = 0x20;
      } else if (outgoing.length > 0) {
        return [0, ...outgoing.shift()!];
      }
      return [0, ...status];
    },
  };
  function answer() {
    log.frames++;
    const payload = frame.subarray(0, 64);
    const crc = frame[65]! | (frame[66]! << 8);
    if (crc !== crc16x25(payload) || frame[64] !== 0x38) {
      log.badCrc++;
      return;
    }
    // Variable-length HMAC: the trailing run of the last byte's value is padding.
    let end = 64;
    while (end > 0 && payload[end - 1] === payload[63]) end--;
    const hmac = createHmac("sha1", secret).update(payload.subarray(0, end)).digest();
    const response = new Uint8Array(28);
    response.set(hmac);
    const rc = crc16x25(hmac);
    response[20] = rc & 0xff;
    response[21] = rc >>> 8;
    touchLeft = touchReads;
    outgoing = [0, 1, 2, 3].map((i) => Uint8Array.from([...response.subarray(i * 7, i * 7 + 7), 0x40 | i]));
    outgoing.push(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0x40]));
  }
  return { transport, log, seen };
}

const noSleep = async () => {};

describe("YubiKey HID framing", () => {
  it("CRC-16/X.25 matches the check value, and a CRC'd answer leaves the residual 0xF0B8", () => {
    expect(crc16x25(Buffer.from("123456789"))).toBe(0x906e);
    const data = Buffer.from("an answer of twenty!");
    const crc = crc16x25(data);
    expect(yubikeyCrc(Buffer.concat([data, Buffer.from([crc & 0xff, crc >>> 8])]))).toBe(CRC_OK_RESIDUAL);
  });

  it("pads with 0x01 after a trailing 0x00, else with 0x00, and frames 70 bytes", () => {
    expect([...padChallenge(Uint8Array.of(5, 0)).subarray(0, 4)]).toEqual([5, 0, 1, 1]);
    expect([...padChallenge(Uint8Array.of(5, 1)).subarray(0, 4)]).toEqual([5, 1, 0, 0]);
    const frame = commandFrame(0x38, padChallenge(new Uint8Array(32).fill(1)));
    expect(frame).toHaveLength(70);
    expect(frame[64]).toBe(0x38);
    expect([...frame.subarray(67)]).toEqual([0, 0, 0]);
  });

  it("known answer through the fake HID key: secret 20 x 0x30, challenge 32 x 0x01, one touch prompt, zero chunks skipped", async () => {
    const secret = Buffer.alloc(20, 0x30);
    const challenge = new Uint8Array(32).fill(1);
    const key = fakeYubiKey(secret);
    let touches = 0;
    const response = await hidChallengeResponse(key.transport, 2, challenge, { sleep: noSleep, onTouch: () => touches++ });
    expect(Buffer.from(response)).toEqual(createHmac("sha1", secret).update(challenge).digest());
    expect(touches).toBe(1);
    expect(key.log).toEqual({ frames: 1, resets: 1, badCrc: 0 });
    // Reports 5 to 8 (bytes 35-62) are the zero padding: not sent.
    expect(key.seen).toEqual([0, 1, 2, 3, 4, 9]);
  });

  it("the software device and the fake HID key give the same response", async () => {
    const secret = Buffer.from("0123456789abcdef0123", "latin1");
    const challenge = Uint8Array.from({ length: 32 }, (_, i) => (i * 37) % 256);
    const hid = await hidChallengeResponse(fakeYubiKey(secret).transport, 2, challenge, { sleep: noSleep });
    const software = await softwareDevice(secret).challengeResponse(2, challenge);
    expect(Buffer.from(hid)).toEqual(Buffer.from(software));
  });

  it("gives up after the timeout when the key never answers", async () => {
    const silent: HidTransport = { sendFeatureReport: () => 9, getFeatureReport: () => [0, 0, 0, 0, 0, 0, 0, 0, 0x20] };
    let t = 0;
    await expect(
      hidChallengeResponse(silent, 2, new Uint8Array(32), { sleep: async () => void (t += 1000), now: () => t, timeoutMs: 15_000 }),
    ).rejects.toThrow(/no answer from the YubiKey within 15000 ms/);
  });
});
