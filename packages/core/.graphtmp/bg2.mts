import { DirectedGraph } from "graphology";
import { createRequire } from "node:module";
const require = createRequire("/work/main/packages/core/src/graph/algorithms.ts");
const pagerank = require("graphology-metrics/centrality/pagerank.js");
const N = 100_000;
const edges: [number, number][] = [];
for (let i = 1; i <= N; i++) for (let k = 0; k < 5; k++) { const t = 1 + Math.floor(Math.random() * i); if (t !== i) edges.push([i, t]); }
let t = performance.now();
const g = new DirectedGraph({ allowSelfLoops: false });
for (let i = 1; i <= N; i++) g.addNode(String(i));
for (const [a, b] of edges) {
  const s = String(a), d = String(b);
  for (const [x, y] of [[s, d], [d, s]]) {
    const e = g.edge(x, y);
    if (e === undefined) g.addDirectedEdge(x, y, { weight: 0.6 });
    else g.setEdgeAttribute(e, "weight", g.getEdgeAttribute(e, "weight") + 0.6);
  }
}
console.log("build2", (performance.now() - t).toFixed(0), g.size);
for (const tol of [1e-9, 1e-6]) { t = performance.now(); pagerank(g, { getEdgeWeight: "weight", maxIterations: 1000, tolerance: tol }); console.log("pr", tol, (performance.now() - t).toFixed(0)); }
