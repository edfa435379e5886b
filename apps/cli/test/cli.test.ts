import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type RunningServer } from "../../../test/support/server.js";
import { cli, expectOneLineError, parse } from "./cli-process.js";

/**
 * Black-box tests: the built engram-cli binary runs as a child process against the built
 * engram-server. Results are checked through the CLI's output and, independently, through
 * the HTTP API, so a CLI that prints the right thing but sends the wrong request fails.
 */

describe("engram-cli against a running engram-server", () => {
  let server: RunningServer;
  let key: string;
  /** The CLI with --server and the admin --key. */
  const admin = (...args: string[]) => cli(["--server", server.url, "--key", key, ...args]);
  const http = () => api(server.url, key);
  /** Every memory row the admin owns, whatever its status; the ground truth for "nothing was stored". */
  const allMemories = async () =>
    (await http().get("/list?limit=1000&include_archived=true&include_forgotten=true")).body.results as { id: number; content: string }[];

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  describe("bootstrap", () => {
    it("creates the admin key once and prints it as JSON with --json", async () => {
      const body = parse(await cli(["--server", server.url, "bootstrap", "--name", "tester", "--json"]));
      expect(body.key).toMatch(/^engram_[0-9a-f]{32}$/);
      expect(body).toMatchObject({ api_key: body.key, name: "tester", scopes: "read,write,admin", user_id: 1 });
      key = body.key;
      const stats = await http().get("/stats");
      expect(stats.status).toBe(200);
      expect(stats.body.user_id).toBe(1);
    });

    it("refuses a second bootstrap with the server's message on one line", async () => {
      expectOneLineError(await cli(["--server", server.url, "bootstrap"]), "already bootstrapped: a user exists");
    });
  });

  describe("memories", () => {
    let milkId: number;
    let spaceId: number;

    it("stores with every option and prints a short confirmation", async () => {
      spaceId = (await http().post("/spaces", { name: "work" })).body.id;
      const r = await admin(
        "store", "remember", "the", "milk",
        "--category", "chores", "--source", "fridge", "--importance", "7", "--tags", "Dairy, shopping", "--space", String(spaceId), "--static",
      );
      expect(r.code, r.stderr).toBe(0);
      const m = r.stdout.match(/^stored #(\d+) imp 7 {2}tags: dairy, shopping\n$/);
      expect(m, r.stdout).not.toBeNull();
      milkId = Number(m![1]);
      const stored = (await http().get(`/memory/${milkId}`)).body;
      expect(stored).toMatchObject({
        content: "remember the milk",
        category: "chores",
        source: "fridge",
        importance: 7,
        tags: ["dairy", "shopping"],
        space_id: spaceId,
        is_static: true,
      });
    });

    it("--json prints the raw store response, including a near-duplicate", async () => {
      const created = parse(await admin("store", "the train leaves at nine from platform four", "--json"));
      expect(created).toMatchObject({ stored: true, importance: 5, tags: [] });
      expect((await http().get(`/memory/${created.id}`)).body).toMatchObject({ content: "the train leaves at nine from platform four", category: "general" });

      // Near-duplicates are detected within a space, so the copy goes to the same one.
      const dup = parse(await admin("store", "remember the milk", "--space", String(spaceId), "--json"));
      expect(dup).toMatchObject({ stored: false, duplicate: true, existing_id: milkId });
      expect((await http().get(`/memory/${milkId}`)).body.source_count).toBe(2);
    });

    it("a human store of a duplicate says so", async () => {
      const r = await admin("store", "remember the milk", "--space", String(spaceId));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^duplicate of #${milkId} \\(distance \\d+\\)`));
    });

    it("search prints matching memories and honours --limit, --category and --tags", async () => {
      // Assertions are about what the CLI sends and prints, not about ranking, so they hold for lexical and hybrid engines alike.
      const oatId = parse(await admin("store", "oat milk is cheaper at the corner shop", "--category", "shopping", "--tags", "dairy", "--json")).id as number;
      const human = await admin("search", "milk");
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(new RegExp(`^#${milkId} \\[chores\\] imp 7 score \\d\\.\\d\\d {2}remember the milk$`, "m"));
      expect(human.stdout).toMatch(new RegExp(`^#${oatId} \\[shopping\\] imp 5 score \\d\\.\\d\\d {2}oat milk is cheaper at the corner shop$`, "m"));

      const json = parse(await admin("search", "milk", "--json"));
      expect(json.results.map((x: { id: number }) => x.id)).toEqual(expect.arrayContaining([milkId, oatId]));
      expect(json.abstained).toBe(false);

      expect(parse(await admin("search", "milk", "--limit", "1", "--json")).results).toHaveLength(1);
      const byCategory = parse(await admin("search", "milk", "--category", "shopping", "--json")).results as { id: number; category: string }[];
      expect(byCategory.map((x) => x.id)).toContain(oatId);
      expect(byCategory.every((x) => x.category === "shopping")).toBe(true);
      const byTag = parse(await admin("search", "milk", "--tags", "shopping", "--json")).results as { id: number; tags: string[] }[];
      expect(byTag.map((x) => x.id)).toContain(milkId);
      expect(byTag.every((x) => x.tags.includes("shopping"))).toBe(true);

      expect((await admin("search", "milk", "--category", "nothing-here")).stdout).toBe("no results\n");
    });

    it("list prints one line per memory, newest first, with --limit, --offset and --category", async () => {
      const human = await admin("list");
      expect(human.code, human.stderr).toBe(0);
      const lines = human.stdout.trimEnd().split("\n");
      expect(lines).toHaveLength(3);
      expect(lines).toContain(`#${milkId} [chores] imp 7  remember the milk`);
      expect(lines[0]).toContain("oat milk is cheaper");

      const all = parse(await admin("list", "--json")).results as { id: number }[];
      expect(all.map((m) => m.id)).toEqual([...all.map((m) => m.id)].sort((a, b) => b - a));
      const page = parse(await admin("list", "--limit", "1", "--offset", "1", "--json")).results as { id: number }[];
      expect(page.map((m) => m.id)).toEqual([all[1]!.id]);
      const chores = parse(await admin("list", "--category", "chores", "--json")).results as { id: number }[];
      expect(chores.map((m) => m.id)).toEqual([milkId]);
    });

    it("get, and recall with an id, show the whole memory", async () => {
      const got = await admin("get", String(milkId));
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout).toContain(`#${milkId} [chores] imp 7  v1 active (static)`);
      expect(got.stdout).toContain("tags: dairy, shopping");
      expect(got.stdout).toMatch(/\nremember the milk\n$/);
      const recalled = await admin("recall", String(milkId));
      expect(recalled).toEqual(got);
      expect(parse(await admin("get", String(milkId), "--json"))).toMatchObject({ id: milkId, content: "remember the milk", version: 1 });
    });

    it("update writes new versions and versions lists the chain oldest first", async () => {
      const v2 = parse(await admin("update", String(milkId), "--content", "remember the oat milk", "--importance", "9", "--tags", "oat", "--json"));
      expect(v2).toMatchObject({ content: "remember the oat milk", importance: 9, tags: ["oat"], version: 2, parent_memory_id: milkId, category: "chores" });
      expect(v2.id).not.toBe(milkId);

      const human = await admin("update", String(v2.id), "--category", "errands");
      expect(human.code, human.stderr).toBe(0);
      const m = human.stdout.match(new RegExp(`^updated #${v2.id}: new version v3 is #(\\d+)\\n#\\d+ \\[errands\\] imp 9 {2}remember the oat milk\\n$`));
      expect(m, human.stdout).not.toBeNull();
      const v3 = Number(m![1]);
      expect((await http().get(`/memory/${v3}`)).body).toMatchObject({ category: "errands", version: 3, is_latest: true });

      const chain = parse(await admin("versions", String(v3), "--json")).versions as { id: number; version: number }[];
      expect(chain.map((v) => [v.id, v.version])).toEqual([[milkId, 1], [v2.id, 2], [v3, 3]]);
      const lines = (await admin("versions", String(milkId))).stdout.trimEnd().split("\n");
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(new RegExp(`^v1 #${milkId} \\S+ {2}remember the milk$`));
      expect(lines[2]).toMatch(new RegExp(`^v3 #${v3} \\S+ \\(latest\\) {2}remember the oat milk$`));
    });

    it("forget hides a memory from get and list unless asked for", async () => {
      const id = parse(await admin("store", "the wifi password is hunter2", "--json")).id as number;
      const r = await admin("forget", String(id), "--reason", "changed");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`#${id} forgotten\n`);
      expect((await http().get(`/memory/${id}`)).status).toBe(404);
      expectOneLineError(await admin("get", String(id)), "memory not found");
      expect(parse(await admin("list", "--json")).results.map((m: { id: number }) => m.id)).not.toContain(id);
      const withForgotten = parse(await admin("list", "--include-forgotten", "--json")).results as { id: number; forget_reason: string }[];
      expect(withForgotten.find((m) => m.id === id)).toMatchObject({ forget_reason: "changed" });
    });

    it("archive hides a memory from list and search unless asked for", async () => {
      const id = parse(await admin("store", "the old office was on Baker Street", "--json")).id as number;
      const r = await admin("archive", String(id));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`#${id} archived\n`);
      expect((await admin("list")).stdout).not.toContain("Baker Street");
      expect(parse(await admin("search", "Baker", "Street", "--json")).results.map((m: { id: number }) => m.id)).not.toContain(id);
      expect((await admin("list", "--include-archived")).stdout).toContain(`#${id} [general] imp 5  the old office was on Baker Street`);
    });

    it("delete removes a memory for good", async () => {
      const id = parse(await admin("store", "a memory to delete soon", "--json")).id as number;
      const r = await admin("delete", String(id));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`deleted #${id}\n`);
      expect((await http().get(`/memory/${id}`)).status).toBe(404);
      expect((await allMemories()).map((m) => m.id)).not.toContain(id);
      expectOneLineError(await admin("delete", String(id)), "memory not found");
    });

    it.each(["11", "2.5", "1.5", "1.0", "0", "0.0", "-0.5", "seven"])("--importance %s is rejected before any request", async (value) => {
      const before = await allMemories();
      const r = await admin("store", `importance probe ${value}`, "--importance", value);
      expectOneLineError(
        r,
        /^error: option '--importance <n>' argument '.+' is invalid\. must be an integer from 1 to 10, or a fraction between 0 and 1 \(0\.9 means 9\)\n$/,
      );
      expect(await allMemories()).toEqual(before);
    });

    it("update --importance is validated the same way", async () => {
      const latest = parse(await admin("list", "--limit", "1", "--json")).results[0] as { id: number };
      expectOneLineError(await admin("update", String(latest.id), "--importance", "11"), /must be an integer from 1 to 10/);
      expect((await http().get(`/memory/${latest.id}`)).body.is_latest).toBe(true);
    });

    it("a bad id is a usage error, not a request", async () => {
      expectOneLineError(await admin("get", "abc"), /^error: command-argument value 'abc' is invalid for argument 'id'/);
    });

    it("server-side validation errors come back as one line", async () => {
      expectOneLineError(await admin("list", "--limit", "5000"), /^error: limit: .*1000/);
      expectOneLineError(await admin("update", String(milkId), "--importance", "3"), `memory ${milkId} is not the latest version; update the latest one`);
    });
  });

  describe("keys", () => {
    it("create prints the key once; the key has the scopes, limit and expiry asked for", async () => {
      const created = parse(await admin("keys", "create", "--name", "ci", "--scopes", "read", "--rate-limit", "5", "--ttl-secs", "3600", "--json"));
      expect(created.key).toMatch(/^engram_[0-9a-f]{32}$/);
      expect(created).toMatchObject({ name: "ci", scopes: "read", rate_limit: 5, user_id: 1 });
      expect(Math.abs(Date.parse(created.expires_at) - (Date.now() + 3_600_000))).toBeLessThan(60_000);

      const reader = (...args: string[]) => cli(["--server", server.url, "--key", created.key, ...args]);
      expect((await reader("list")).code).toBe(0);
      expectOneLineError(await reader("store", "readers cannot write"), "this key lacks the write scope");
      expect((await allMemories()).map((m) => m.content)).not.toContain("readers cannot write");

      const human = await admin("keys", "create", "--name", "laptop");
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/^key: engram_[0-9a-f]{32}\nkey #\d+ "laptop", user 1, scopes read,write\n/);
    });

    it("list shows live keys as a table and as JSON", async () => {
      const keys = parse(await admin("keys", "list", "--json")).keys as { id: number; name: string; key_prefix: string }[];
      expect(keys.map((k) => k.name)).toEqual(["bootstrap", "ci", "laptop"]);
      const table = (await admin("keys", "list")).stdout.trimEnd().split("\n");
      expect(table[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+SCOPES\s+USER\s+EXPIRES\s+LAST USED$/);
      const ci = keys.find((k) => k.name === "ci")!;
      expect(table.find((l) => l.startsWith(`${ci.id} `))).toMatch(new RegExp(`^${ci.id}\\s+ci\\s+${ci.key_prefix}\\s+read\\s+1\\s`));
    });

    it("rotate issues a successor; with --grace-hours 0 the old key stops at once", async () => {
      const old = parse(await admin("keys", "create", "--name", "rotating", "--json"));
      const rotated = parse(await admin("keys", "rotate", String(old.id), "--grace-hours", "0", "--json"));
      expect(rotated).toMatchObject({ name: "rotating", rotated_from: old.id, grace_hours: 0 });
      expect(rotated.key).not.toBe(old.key);
      expect((await cli(["--server", server.url, "--key", rotated.key, "list"])).code).toBe(0);
      expectOneLineError(await cli(["--server", server.url, "--key", old.key, "list"]), "API key expired");

      const human = await admin("keys", "rotate", String(rotated.id));
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/^key: engram_[0-9a-f]{32}\n.*\nThe old key keeps working for 24 hours\.\n$/);
      expect((await cli(["--server", server.url, "--key", rotated.key, "list"])).code).toBe(0);
    });

    it("revoke stops a key and drops it from the list", async () => {
      const victim = parse(await admin("keys", "create", "--name", "victim", "--json"));
      const r = await admin("keys", "revoke", String(victim.id));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`revoked key #${victim.id}\n`);
      expectOneLineError(await cli(["--server", server.url, "--key", victim.key, "list"]), "invalid API key");
      expect(parse(await admin("keys", "list", "--json")).keys.map((k: { id: number }) => k.id)).not.toContain(victim.id);
      expectOneLineError(await admin("keys", "revoke", String(victim.id)), "key not found");
    });
  });

  describe("users", () => {
    it("create and list users; a key for another user sees only that user's memories", async () => {
      const r = await admin("users", "create", "alice", "--email", "alice@example.com", "--role", "reader");
      expect(r.code, r.stderr).toBe(0);
      const m = r.stdout.match(/^created user #(\d+) alice \(reader\)\n$/);
      expect(m, r.stdout).not.toBeNull();
      const aliceId = Number(m![1]);

      const users = parse(await admin("users", "list", "--json")).users;
      expect(users).toContainEqual(expect.objectContaining({ id: aliceId, username: "alice", email: "alice@example.com", role: "reader" }));
      const table = (await admin("users", "list")).stdout;
      expect(table).toMatch(/^ID\s+USERNAME\s+ROLE\s+EMAIL\s+CREATED\n/);
      expect(table).toMatch(new RegExp(`^${aliceId}\\s+alice\\s+reader\\s+alice@example\\.com\\s+\\S+$`, "m"));

      const aliceKey = parse(await admin("keys", "create", "--user-id", String(aliceId), "--scopes", "read", "--json"));
      expect(aliceKey.user_id).toBe(aliceId);
      expect(parse(await cli(["--server", server.url, "--key", aliceKey.key, "list", "--json"])).results).toEqual([]);
    });

    it("a taken username and an unknown role are one-line errors", async () => {
      expectOneLineError(await admin("users", "create", "alice"), 'username "alice" is taken');
      expectOneLineError(await admin("users", "create", "bob", "--role", "boss"), /Allowed choices are admin, writer, reader/);
      expect(parse(await admin("users", "list", "--json")).users.map((u: { username: string }) => u.username)).not.toContain("bob");
    });
  });

  describe("errors", () => {
    it("a wrong key is exit 1 and one line", async () => {
      expectOneLineError(await cli(["--server", server.url, "--key", "engram_00000000000000000000000000000000", "list"]), "invalid API key");
    });

    it("no key at all says so", async () => {
      expectOneLineError(await cli(["--server", server.url, "list"]), "missing API key");
    });

    it("usage errors keep commander's status and stay on one line", async () => {
      const unknown = await admin("serch", "milk");
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe("error: unknown command 'serch' (Did you mean search?)\n");
      const badOption = await admin("list", "--lmit", "3");
      expect(badOption.code).toBe(1);
      expect(badOption.stderr).toBe("error: unknown option '--lmit' (Did you mean --limit?)\n");
    });
  });
});

describe("engram-cli configuration", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it("takes the server from ENGRAM_URL and the key from ENGRAM_API_KEY; flags win over both", async () => {
    const boot = await cli(["bootstrap", "--name", "envuser"], { ENGRAM_URL: server.url });
    expect(boot.code, boot.stderr).toBe(0);
    const m = boot.stdout.match(/^key: (engram_[0-9a-f]{32})\nadmin user #1 "envuser", scopes read,write,admin\n.+\n$/);
    expect(m, boot.stdout).not.toBeNull();
    const key = m![1]!;

    const env = { ENGRAM_URL: server.url, ENGRAM_API_KEY: key };
    const stored = parse(await cli(["store", "configured from the environment", "--json"], env));
    expect((await api(server.url, key).get(`/memory/${stored.id}`)).body.content).toBe("configured from the environment");

    const listed = await cli(["list"], env);
    expect(listed.stdout).toBe(`#${stored.id} [general] imp 5  configured from the environment\n`);

    const flagsWin = await cli(["--server", server.url, "--key", key, "list"], { ENGRAM_URL: "http://127.0.0.1:9", ENGRAM_API_KEY: "engram_bad" });
    expect(flagsWin.stdout).toBe(listed.stdout);
  });

  it("documents the default server and the env fallbacks in --help", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--server <url>\s+engram-server base URL \(default:\s+"http:\/\/127\.0\.0\.1:4200", env: ENGRAM_URL\)/);
    expect(r.stdout).toMatch(/--key <key>\s+API key \(env: ENGRAM_API_KEY\)/);
  });

  it("a server that is down is exit 1 with one line naming the URL", async () => {
    const down = await startServer();
    await down.stop();
    const r = await cli(["--server", down.url, "--key", "engram_x", "list"]);
    expectOneLineError(r, `cannot reach engram-server at ${down.url}: ECONNREFUSED`);
  });

  it("a malformed --server is reported as such", async () => {
    expectOneLineError(await cli(["--server", "localhost:4200", "list"]), /^error: invalid engram-server URL "localhost:4200"/);
  });
});
