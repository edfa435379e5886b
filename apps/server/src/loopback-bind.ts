import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ConfigError, isLoopbackAddress, type Config } from "@engram/core";

/**
 * Open access binds only to loopback. loadConfig checks an IP literal; a name is resolved
 * here, at start-up, and every address it resolves to must be loopback: a name like
 * "127.attacker.example" is whatever its owner makes it, not 127.0.0.1.
 */
export async function assertOpenAccessBind(config: Pick<Config, "openAccess" | "host">): Promise<void> {
  if (!config.openAccess || isIP(config.host) !== 0) return;
  const refuse = (why: string) =>
    new ConfigError(`invalid ENGRAM_HOST=${config.host} with ENGRAM_OPEN_ACCESS=1: open access is only allowed on a loopback address; ${why}`);
  let addresses: string[];
  try {
    addresses = (await lookup(config.host, { all: true })).map((a) => a.address);
  } catch (err) {
    throw refuse(`the name does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const outside = addresses.filter((a) => !isLoopbackAddress(a));
  if (addresses.length === 0 || outside.length > 0) throw refuse(`it resolves to ${(outside.length ? outside : addresses).join(", ") || "nothing"}`);
}
