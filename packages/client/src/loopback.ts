import { isIP } from "node:net";

/**
 * What counts as "this machine" for the local HTTP services (engram-mcp, engram-sidecar). A
 * service bound to loopback is still reachable from a web page through DNS rebinding (a name
 * the attacker controls, re-pointed at 127.0.0.1) or a cross-site request, so those services
 * refuse requests whose Host or Origin names anything but loopback.
 */

/** localhost, 127.0.0.0/8 and ::1, with or without IPv6 brackets. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1";
  return false;
}

/** A Host header (`name[:port]`) that names loopback; a missing or unparsable one does not. */
export function isLoopbackHostHeader(hostHeader: string | undefined): boolean {
  // Only `name[:port]`: userinfo or a path would let URL parsing pick a different name.
  if (hostHeader === undefined || /[@/?#\\\s]/.test(hostHeader)) return false;
  try {
    return isLoopbackHost(new URL(`http://${hostHeader}`).hostname);
  } catch {
    return false;
  }
}

/** Browsers send Origin on cross-site requests; other clients usually send none, and need none. */
export function isLoopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}
