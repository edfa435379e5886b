import { describe, expect, it } from "vitest";
import { clientKey } from "../src/client-address.js";

describe("the client key per-address limits count by", () => {
  it("is an IPv4 address itself, IPv4-mapped IPv6 included", () => {
    expect(clientKey("203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("::1")).toBe("::1");
  });

  it("is an IPv6 address's /64, however it is written, so a host cannot take a fresh budget per address", () => {
    expect(clientKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:DB8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("fe80::1")).toBe("fe80:0:0:0::/64");
  });
});
