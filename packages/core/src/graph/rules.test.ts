import { describe, expect, it } from "vitest";
import { ruleClassifier, type LinkNeighbour, type ProposedLink } from "./link-rules.js";
import { extractEntities } from "./entity-rules.js";
import { contentTerms, jaccard } from "../text/terms.js";

const classify = (content: string, neighbours: LinkNeighbour[], threshold = 0.5) =>
  ruleClassifier.classify({ id: 100, content }, neighbours, threshold) as ProposedLink[];
const typed = (links: ProposedLink[]) => links.filter((l) => l.type !== "similarity").map((l) => `${l.sourceId}-${l.type}->${l.targetId}`);

describe("link rules", () => {
  it("links every neighbour above the threshold by similarity, and none below", () => {
    const links = classify("Deploys go through the GitHub Actions pipeline", [
      { id: 1, content: "The GitHub Actions deploy pipeline takes twelve minutes", similarity: 0.85 },
      { id: 2, content: "The cat's vet appointment is on Thursday", similarity: 0.2 },
    ]);
    expect(links).toEqual([{ sourceId: 100, targetId: 1, type: "similarity", similarity: 0.85 }]);
  });

  it("caused_by points from the effect to the neighbour that matches the cause", () => {
    const links = classify("The API outage on Monday was caused by the expired TLS certificate on the load balancer", [
      { id: 1, content: "Monday standup notes: API latency dashboards", similarity: 0.6 },
      { id: 2, content: "The TLS certificate on the load balancer expired", similarity: 0.55 },
    ]);
    expect(typed(links)).toEqual(["100-caused_by->2"]);
  });

  it("a cue towards an effect reverses the direction", () => {
    const links = classify("Rotating the database password led to the worker crash loop", [
      { id: 3, content: "Workers are in a crash loop since noon", similarity: 0.5 },
    ]);
    expect(typed(links)).toEqual(["3-caused_by->100"]);
  });

  it("requires and depends on make the neighbour a prerequisite of the memory", () => {
    const links = classify("Deploying the staging cluster requires the VPN connection to be up", [
      { id: 4, content: "How to bring the VPN connection up: run wg-quick up office", similarity: 0.4 },
    ]);
    expect(typed(links)).toEqual(["4-prerequisite_for->100"]);
  });

  it("a clause cue without a neighbour covering the clause links nothing typed", () => {
    const links = classify("The build failed because of a flaky network", [
      { id: 5, content: "The build takes four minutes on CI", similarity: 0.7 },
    ]);
    expect(typed(links)).toEqual([]);
  });

  it("supersession cues make an update of the nearest similar memory, not a contradiction", () => {
    const links = classify("The API no longer runs on port 3000; it now listens on port 8080", [
      { id: 6, content: "The API runs on port 3000", similarity: 0.8 },
    ]);
    expect(typed(links)).toEqual(["100-updates->6"]);
  });

  it("opposite polarity over the same words is a contradiction", () => {
    const links = classify("Alice does not like spicy food", [{ id: 7, content: "Alice likes spicy food", similarity: 0.9 }]);
    expect(typed(links)).toEqual(["100-contradicts->7"]);
  });

  it("an addition cue extends the nearest similar memory", () => {
    const links = classify("The deploy pipeline also posts a summary to Slack", [
      { id: 8, content: "The deploy pipeline runs on every merge to main", similarity: 0.7 },
      { id: 9, content: "Slack channel list", similarity: 0.3 },
    ]);
    expect(typed(links)).toEqual(["100-extends->8"]);
  });
});

describe("lexical similarity", () => {
  it("matches word forms and ignores stopwords", () => {
    expect([...contentTerms("The upgrades were upgraded")]).toEqual(["upgrad"]);
    expect(jaccard(contentTerms("Kubernetes cluster upgrade"), contentTerms("upgrading the kubernetes clusters"))).toBe(1);
    expect(jaccard(contentTerms("bread recipe"), contentTerms("kubernetes upgrade"))).toBe(0);
  });
});

describe("entity rules", () => {
  const names = (text: string, known = []) => extractEntities(text, known).map((e) => `${e.type}:${e.name}`);

  it("finds people, handles, paths, hosts and servers", () => {
    expect(names("Alice said the deploy failed. Ask @bob about /etc/nginx/nginx.conf on server web-01.")).toEqual([
      "person:Alice",
      "person:@bob",
      "path:/etc/nginx/nginx.conf",
      "server:web-01",
    ]);
    expect(names("Ship it to api.example.com (10.0.0.5) or localhost.")).toEqual(["server:api.example.com", "server:10.0.0.5", "server:localhost"]);
  });

  it("knows common tools in their usual casing, and projects by cue", () => {
    expect(names("Bob Smith's project Phoenix runs Docker and PostgreSQL; we express interest.")).toEqual([
      "person:Bob Smith",
      "project:Phoenix",
      "tool:Docker",
      "tool:PostgreSQL",
    ]);
  });

  it("matches the tenant's declared entities by name and alias, case-insensitively", () => {
    const known = [{ name: "Atlas", aliases: ["atlas-core"], type: "project" as const }];
    expect(names("Fixed the atlas-core build; ATLAS ships Friday.", known as never)).toEqual(["project:Atlas"]);
    expect(extractEntities("Fixed the atlas-core build; ATLAS ships Friday.", known)[0]!.salience).toBe(1);
  });

  it("skips sentence openers, weekdays and lone acronyms", () => {
    expect(names("Remember to rotate the keys. The TLS setup is done on Monday. Deploy after lunch.")).toEqual([]);
  });

  it("a word capitalised mid-sentence counts at a sentence start too", () => {
    expect(names("Carol reviewed it. We thanked Carol.")).toEqual(["person:Carol"]);
  });
});
