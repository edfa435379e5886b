/**
 * The gate's step 5: `ssh` to a loopback, link-local, cloud-metadata or unspecified address is
 * blocked, however the address is written. An agent asked to "ssh into the box" must not be
 * steered at the host it runs on or at the metadata service that hands out its credentials;
 * `127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1` and `::ffff:127.0.0.1` are all 127.0.0.1.
 */

/** ssh options that take a value (the next word), so it is not mistaken for the host. */
const OPTIONS_WITH_VALUE = new Set(["-B", "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-P", "-p", "-Q", "-R", "-S", "-W", "-w"]);
const NAMES = new Set(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"]);

/** The hosts an ssh command would reach: its target and any jump hosts (-J). */
export function sshHosts(command: string): string[] {
  const hosts: string[] = [];
  for (const segment of command.split(/(?:&&|\|\||[;|\n])/)) {
    const w = segment.trim().split(/\s+/);
    const at = w.findIndex((x) => x === "ssh" || x.endsWith("/ssh"));
    if (at < 0) continue;
    for (let i = at + 1; i < w.length; i++) {
      const word = w[i]!;
      if (word === "-J" || word.startsWith("-J")) {
        const value = word === "-J" ? w[++i] : word.slice(2);
        for (const jump of (value ?? "").split(",")) hosts.push(hostOf(jump));
        continue;
      }
      if (word.startsWith("-o") && /proxyjump=/i.test(word + (w[i + 1] ?? ""))) {
        const value = (word === "-o" ? w[++i]! : word.slice(2)).replace(/^proxyjump=/i, "");
        for (const jump of value.split(",")) hosts.push(hostOf(jump));
        continue;
      }
      if (OPTIONS_WITH_VALUE.has(word)) {
        i++;
        continue;
      }
      if (word.startsWith("-")) continue;
      hosts.push(hostOf(word));
      break;
    }
  }
  return hosts.filter(Boolean);
}

/** `user@host:port`, `ssh://user@[::1]:22`, `[::1]` → the host alone, lower-cased. */
function hostOf(target: string): string {
  let t = target.replace(/^["']|["']$/g, "").replace(/^ssh:\/\//i, "");
  t = t.slice(t.lastIndexOf("@") + 1);
  const bracketed = /^\[([^\]]+)\]/.exec(t);
  if (bracketed) return bracketed[1]!.toLowerCase();
  // One colon is a port (host:22); several are an IPv6 address.
  if ((t.match(/:/g) ?? []).length === 1) t = t.slice(0, t.indexOf(":"));
  return t.replace(/\/.*$/, "").toLowerCase();
}

/**
 * An IPv4 address as inet_aton reads it: one to four parts, each decimal, octal (leading 0)
 * or hex (0x); the last part fills the remaining bytes. Null when it is not one.
 */
export function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length < 1 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = parseInt(p, 8);
    else if (/^(?:0|[1-9][0-9]*)$/.test(p)) n = parseInt(p, 10);
    else return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return null;
  return nums.reduce((acc, n, i) => acc + n * 2 ** (8 * (3 - i)), 0) + last;
}

/** An IPv6 address as eight 16-bit groups (an embedded dotted IPv4 tail allowed); null when it is not one. */
export function parseIpv6(text: string): number[] | null {
  let t = text.replace(/%.*$/, "");
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const n = parseIpv4(v4[2]!);
    if (n === null) return null;
    t = `${v4[1]}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = t.split("::");
  if (halves.length > 2) return null;
  const group = (s: string) => (s === "" ? [] : s.split(":"));
  const head = group(halves[0]!);
  const tail = halves.length === 2 ? group(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const groups = [...head, ...Array<string>(fill).fill("0"), ...tail];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

const inV4 = (ip: number, base: string, bits: number) => {
  const b = parseIpv4(base)!;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((b & mask) >>> 0);
};

/** Why an IPv4 address is off limits, or null. */
function v4Class(ip: number): string | null {
  if (inV4(ip, "127.0.0.0", 8)) return "loopback";
  if (inV4(ip, "0.0.0.0", 8)) return "unspecified";
  if (ip === parseIpv4("169.254.169.254") || ip === parseIpv4("100.100.100.200") || ip === parseIpv4("168.63.129.16")) return "metadata";
  if (inV4(ip, "169.254.0.0", 16)) return "link-local";
  return null;
}

/** Why a host (name or address in any notation) is off limits for ssh, or null when it is not. */
export function forbiddenSshHost(host: string): string | null {
  if (NAMES.has(host) || host.endsWith(".localhost")) return host.startsWith("metadata") || host.startsWith("instance-data") ? "metadata" : "loopback";
  const v4 = parseIpv4(host);
  if (v4 !== null) return v4Class(v4);
  const v6 = parseIpv6(host);
  if (!v6) return null;
  if (v6.every((g) => g === 0)) return "unspecified";
  if (v6.slice(0, 7).every((g) => g === 0) && v6[7] === 1) return "loopback";
  if ((v6[0]! & 0xffc0) === 0xfe80) return "link-local";
  if (v6[0] === 0xfd00 && v6[1] === 0x0ec2 && v6.slice(2, 7).every((g) => g === 0) && v6[7] === 0x254) return "metadata";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses are their IPv4 address.
  const mapped = v6.slice(0, 5).every((g) => g === 0) && (v6[5] === 0xffff || v6[5] === 0);
  return mapped ? v4Class(v6[6]! * 65536 + v6[7]!) : null;
}

/** The first forbidden host an ssh command reaches, with why; null when none. */
export function forbiddenSshTarget(command: string): { host: string; why: string } | null {
  for (const host of sshHosts(command)) {
    const why = forbiddenSshHost(host);
    if (why) return { host, why };
  }
  return null;
}
