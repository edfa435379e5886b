import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { invalid } from "../../errors.js";

export interface UrlFetchOptions {
  /** ENGRAM_ALLOW_PRIVATE_URLS: loopback and private addresses are reachable. */
  allowPrivate: boolean;
  timeoutMs: number;
}

export interface FetchedDocument {
  bytes: Uint8Array;
  contentType: string | null;
  /** The last path segment of the URL, for format detection by extension. */
  filename: string;
}

/** Always refused, whatever ENGRAM_ALLOW_PRIVATE_URLS says (services contract, URL rules). */
const METADATA_HOSTS = new Set(["169.254.169.254", "metadata.google.internal", "metadata", "metadata.goog"]);

/** Loopback, RFC 1918, link-local, CGNAT, unique-local and unspecified ranges, IPv4 and IPv6. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv6");

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family !== 6) return false;
  // IPv4-mapped (::ffff:10.0.0.1) is the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? PRIVATE.check(mapped[1]!, "ipv4") : PRIVATE.check(address, "ipv6");
}

/** Checks the URL's shape and host name before any connection: 400 naming `url`. */
export function checkUrl(raw: string, allowPrivate: boolean): URL {
  if (raw.length > 2048) throw invalid("url", "must be at most 2048 characters");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid("url", "must be an absolute http or https URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid("url", "must use http or https");
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (!host) throw invalid("url", "must name a host");
  if (METADATA_HOSTS.has(host)) throw invalid("url", `${host} is a cloud metadata address and is never fetched`);
  if (!allowPrivate && (host === "localhost" || host.endsWith(".localhost") || isPrivateAddress(host))) {
    throw invalid("url", `${host} is a loopback or private address (ENGRAM_ALLOW_PRIVATE_URLS is false)`);
  }
  return url;
}

class RefusedAddress extends Error {}

/**
 * The connection's own DNS lookup checks every address it resolves, so the address checked is
 * the address connected to: a name that resolves to a private address (or changes its answer
 * between a check and the connect, DNS rebinding) is refused at the connect itself.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as dns.LookupAddress[];
      const refused = list.find((a) => METADATA_HOSTS.has(a.address) || (!allowPrivate && isPrivateAddress(a.address)));
      if (refused) return callback(new RefusedAddress(`${hostname} resolves to ${refused.address}, a loopback or private address (ENGRAM_ALLOW_PRIVATE_URLS is false)`), "", 0);
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/**
 * GETs a document for /ingest: http(s) only, no redirects (each hop would need its own check),
 * at most `maxBytes` (the transfer is cut off past it) and `timeoutMs` in all. Every failure is
 * a 400 naming `url`: the caller sent a URL this server will not or could not read.
 */
export async function fetchUrl(raw: string, opts: UrlFetchOptions & { maxBytes: number }): Promise<FetchedDocument> {
  const url = checkUrl(raw, opts.allowPrivate);
  const client = url.protocol === "https:" ? https : http;
  return new Promise<FetchedDocument>((resolve, reject) => {
    const fail = (why: string) => reject(invalid("url", why));
    // One deadline for the whole exchange (connect, headers, body), not a per-read idle timer.
    const signal = AbortSignal.timeout(opts.timeoutMs);
    const req = client.get(url, { signal, lookup: guardedLookup(opts.allowPrivate), headers: { "user-agent": "Engram-Ingest", accept: "*/*" } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        res.resume();
        return fail(`answered a redirect (${status}); redirects are not followed, send the final URL`);
      }
      if (status < 200 || status >= 300) {
        res.resume();
        return fail(`answered HTTP ${status}`);
      }
      const declared = Number(res.headers["content-length"]);
      if (declared > opts.maxBytes) {
        req.destroy();
        return fail(`the document is ${declared} bytes, over the ${opts.maxBytes}-byte limit`);
      }
      const parts: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) {
          req.destroy();
          return fail(`the document is over the ${opts.maxBytes}-byte limit`);
        }
        parts.push(chunk);
      });
      res.on("end", () => {
        const last = url.pathname.split("/").pop() ?? "";
        let filename = last;
        try {
          filename = decodeURIComponent(last);
        } catch {
          // a malformed escape: the raw segment still carries the extension
        }
        resolve({ bytes: new Uint8Array(Buffer.concat(parts)), contentType: res.headers["content-type"] ?? null, filename });
      });
      res.on("error", (err) => fail(signal.aborted ? `no complete answer within ${opts.timeoutMs} ms` : `the transfer failed: ${err.message}`));
    });
    req.on("error", (err) => {
      if (signal.aborted) return fail(`no complete answer within ${opts.timeoutMs} ms`);
      fail(err instanceof RefusedAddress ? err.message : `could not be fetched: ${err.message}`);
    });
  });
}
