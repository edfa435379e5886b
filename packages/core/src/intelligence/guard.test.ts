import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { storeInputSchema } from "../memory/schemas.js";
import { EngramError } from "../errors.js";
import { evaluate, guardTerms, isRule, matchRule, prohibitedObjects, stem, type GuardRule } from "./guard.js";

describe("guard terms", () => {
  it("stems inflections of one word to one term", () => {
    for (const group of [
      ["delete", "deletes", "deleted", "deleting"],
      ["deploy", "deploys", "deployed", "deploying"],
      ["push", "pushes", "pushed", "pushing"],
      ["commit", "commits", "committed", "committing"],
      ["branch", "branches"],
      ["policy", "policies"],
      ["table", "tables"],
    ]) {
      expect(new Set(group.map(stem)), group.join(",")).toHaveProperty("size", 1);
    }
    expect(stem("process")).toBe(stem("processes"));
    expect(stem("bob's")).toBe("bob");
  });

  it("drops stopwords and filler, splits hyphenated words, reads curly apostrophes", () => {
    expect([...guardTerms("Please never EVER force-push to the main branch")]).toEqual(["never", "forc", "push", "main", "branch"]);
    expect([...guardTerms("Don’t do it")]).toEqual([]);
  });
});

describe("which memories are rules", () => {
  it("category rule always; static memories only when worded as a prohibition", () => {
    expect(isRule({ category: "rule", isStatic: false, content: "deploys go through CI" })).toBe(true);
    expect(isRule({ category: " Rule ", isStatic: false, content: "x" })).toBe(true);
    for (const content of ["never deploy on Fridays", "Don’t email customers at night", "You do not touch prod", "We must not log tokens", "Sharing keys is prohibited", "Forbidden: rm -rf"]) {
      expect(isRule({ category: "general", isStatic: true, content }), content).toBe(true);
    }
    expect(isRule({ category: "general", isStatic: false, content: "never deploy on Fridays" })).toBe(false);
    expect(isRule({ category: "preference", isStatic: true, content: "likes dark mode" })).toBe(false);
  });
});

describe("the prohibited object of a rule", () => {
  it("is what follows the prohibition, per sentence", () => {
    expect(prohibitedObjects("Never force-push to main.")).toEqual([" force-push to main"]);
    expect(prohibitedObjects("Production DB: do not run migrations by hand; never drop tables")).toEqual([" run migrations by hand", " drop tables"]);
  });

  it("keeps addresses, versions and file names whole: only a dot before a space ends a sentence", () => {
    expect(prohibitedObjects("Never ssh into 10.0.0.5 as root. Never edit .env files")).toEqual([" ssh into 10.0.0.5 as root", " edit .env files"]);
    expect([...guardTerms("ssh deploy@10.0.0.7")]).toEqual(["ssh", "deploy", "10.0.0.7"]);
    // Slashes and dots between letters split: a path's parts are terms.
    expect([...guardTerms("/var/log/audit.log on release/2.1")]).toEqual(["var", "log", "audit", "releas", "2.1"]);
  });

  it("is the rest of the sentence around prohibited / forbidden, or before a bare don't", () => {
    expect(prohibitedObjects("Force-pushing to main is forbidden")).toEqual(["force-pushing to main is  "]);
    expect(prohibitedObjects("Secrets in git: just don't.")).toEqual(["secrets in git: just "]);
  });

  it("is the whole rule when it has no prohibition phrase", () => {
    expect(prohibitedObjects("Every deploy goes through CI")).toEqual(["Every deploy goes through CI"]);
  });
});

describe("matching a rule against an action", () => {
  const terms = (s: string) => guardTerms(s);

  it("clearly matches when most of the object is in the action", () => {
    expect(matchRule("never force-push to the main branch", terms("force-push my commits to the main branch"))).toEqual({ strength: "clear", coverage: 1 });
    expect(matchRule("do not delete production data", terms("deleting the production database data now"))).toMatchObject({ strength: "clear" });
    // A single-term object needs its one term.
    expect(matchRule("never reboot", terms("reboot the build box"))).toEqual({ strength: "clear", coverage: 1 });
  });

  it("weakly matches on a smaller share, and not at all without shared terms", () => {
    expect(matchRule("never force-push to the main branch", terms("push to main"))).toEqual({ strength: "weak", coverage: 0.5 });
    expect(matchRule("never force-push to the main branch", terms("water the office plants"))).toBeNull();
    // One shared word of a long object is too little.
    expect(matchRule("never share customer invoices with external auditors before legal review", terms("share the lunch menu"))).toBeNull();
  });

  it("ignores what precedes the prohibition: it is context, not the forbidden act", () => {
    expect(matchRule("Production: never run migrations by hand", terms("run migrations by hand"))).toMatchObject({ strength: "clear" });
  });

  it("takes the best of several objects", () => {
    expect(matchRule("Never drop tables. Never disable backups.", terms("disable the nightly backups"))).toMatchObject({ strength: "clear" });
  });
});

describe("the verdict", () => {
  const rules: GuardRule[] = [
    { id: 1, content: "Never force-push to the main branch", importance: 10 },
    { id: 2, content: "Do not deploy on Fridays", importance: 6 },
    { id: 3, content: "Never commit secrets to the repository", importance: 9 },
  ];

  it("blocks on a clear match of a rule of importance ≥ 9", () => {
    const v = evaluate("force-push to main branch", rules);
    expect(v.signal).toBe("block");
    expect(v.rules.map((r) => r.id)).toEqual([1]);
    expect(v.message).toBe('Blocked: rule #1 forbids this: "Never force-push to the main branch"');
    expect(v.action).toBe("force-push to main branch");
  });

  it("warns on a clear match of a less important rule", () => {
    const v = evaluate("deploy the API on Friday", rules);
    expect(v).toMatchObject({ signal: "warn", rules: [rules[1]] });
    expect(v.message).toBe('Check first: rule #2 may apply: "Do not deploy on Fridays"');
  });

  it("warns on a weak match, even of an important rule", () => {
    expect(evaluate("push the docs branch", rules)).toMatchObject({ signal: "warn", rules: [rules[0]] });
  });

  it("lists blocking rules first and says how many more matched", () => {
    const v = evaluate("force-push secrets to the main branch and deploy on friday", rules);
    expect(v.signal).toBe("block");
    expect(v.rules[0]!.id).toBe(1);
    expect(v.rules.map((r) => r.id).sort()).toEqual([1, 2, 3]);
    expect(v.message).toMatch(/^Blocked: rule #1 forbids this \(and 2 more\): "Never force-push/);
  });

  it("allows what no rule touches, and says when there are no rules at all", () => {
    expect(evaluate("water the office plants", rules)).toEqual({
      signal: "allow",
      action: "water the office plants",
      rules: [],
      message: "No stored rule applies to this action.",
    });
    expect(evaluate("anything", []).message).toBe("No rules are stored, so nothing forbids this action.");
  });
});

describe("GuardService over the database", () => {
  let engram: Engram;
  let alice: number;
  let bob: number;

  beforeEach(() => {
    engram = createEngram({ dbPath: ":memory:", dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 });
    alice = engram.auth.createUser("alice", undefined, "writer").id;
    bob = engram.auth.createUser("bob", undefined, "writer").id;
  });
  afterEach(() => engram.close());

  const store = (userId: number, input: Record<string, unknown>) => {
    const r = engram.memories.store(userId, storeInputSchema.parse(input));
    if (r.kind !== "stored") throw new Error("unexpected duplicate");
    return r.memory;
  };

  it("uses only the user's own latest, active rules", async () => {
    const rule = store(alice, { content: "never delete the audit logs", category: "rule", importance: 10 });
    store(alice, { content: "never delete the audit logs on Sunday", is_static: false }); // not static, not a rule
    store(bob, { content: "never rotate the signing keys", category: "rule", importance: 10 });
    const archived = store(alice, { content: "never rename the billing tables", category: "rule", importance: 10 });
    engram.memories.setStatus(alice, archived.id, "archived");

    expect(engram.guard.rules(alice).map((r) => r.id)).toEqual([rule.id]);
    expect(await engram.guard.check(alice, "delete audit logs older than a year")).toMatchObject({ signal: "block", rules: [{ id: rule.id }] });
    // Bob's rule does not apply to Alice, nor an archived one.
    expect((await engram.guard.check(alice, "rotate the signing keys")).signal).toBe("allow");
    expect((await engram.guard.check(alice, "rename the billing tables")).signal).toBe("allow");
    expect((await engram.guard.check(bob, "rotate signing keys")).signal).toBe("block");
  });

  it("follows a rule through its versions: only the latest one counts", async () => {
    const v1 = store(alice, { content: "never deploy on Fridays", category: "rule", importance: 10 });
    const v2 = engram.memories.update(alice, v1.id, { content: "never deploy on weekends" }, null);
    // v1 would block this; v2 only shares "deploy" with it.
    expect(await engram.guard.check(alice, "deploy on Friday")).toMatchObject({ signal: "warn", rules: [{ id: v2.id }] });
    expect(await engram.guard.check(alice, "deploy on the weekend")).toMatchObject({ signal: "block", rules: [{ id: v2.id }] });
  });

  it("a static prohibition is a rule without the category", async () => {
    const m = store(alice, { content: "Don't send invoices to customers before the 1st", is_static: true, importance: 7 });
    expect(await engram.guard.check(alice, "send the invoices to customers")).toMatchObject({ signal: "warn", rules: [{ id: m.id, importance: 7 }] });
  });

  it("an empty action is invalid", async () => {
    await expect(engram.guard.check(alice, "  ")).rejects.toThrow(EngramError);
    await expect(engram.guard.check(alice, "  ")).rejects.toThrow("action: must not be empty");
  });
});
