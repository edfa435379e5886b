import * as lancedb from "@lancedb/lancedb";
import { Field, FixedSizeList, Float32, Int64, Schema, makeData, RecordBatch, Struct, Table } from "apache-arrow";
import fs from "node:fs";
const dim = 512;
const dir = "/tmp/lance-exp2"; fs.rmSync(dir, {recursive:true, force:true});
const schema = new Schema([new Field("id", new Int64(), false), new Field("vector", new FixedSizeList(dim, new Field("item", new Float32(), false)), false)]);
function batch(ids, floats) {
  const n = ids.length;
  const idData = makeData({ type: new Int64(), length: n, nullCount: 0, data: BigInt64Array.from(ids, BigInt) });
  const child = makeData({ type: new Float32(), length: n*dim, nullCount: 0, data: floats });
  const list = makeData({ type: schema.fields[1].type, length: n, nullCount: 0, child });
  const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [idData, list] });
  return new Table([new RecordBatch(schema, struct)]);
}
let seed = 1; const r = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 - 0.5; };
const norm = (v) => { let s=0; for (const x of v) s+=x*x; s=Math.sqrt(s); for (let j=0;j<v.length;j++) v[j]/=s; return v; };
const N = Number(process.argv[2] ?? 20000);
// clustered: 2000 "distinct texts" (themselves in 100 topics), every stored row = a distinct + noise
const topics = Array.from({length:100},()=>norm(Float32Array.from({length:dim},r)));
const distinct = Array.from({length:2000},(_,i)=>norm(topics[i%100].map((x)=>x+r()*0.12)));
const all = new Float32Array(N*dim);
for (let i=0;i<N;i++){ const b = distinct[i%2000]; const v = norm(b.map(x=>x+r()*0.05)); all.set(v, i*dim); }
const db = await lancedb.connect(dir);
const tbl = await db.createEmptyTable("u1", schema);
let t = performance.now();
for (let off=0; off<N; off+=5000) { const n = Math.min(5000, N-off); await tbl.add(batch(Array.from({length:n},(_,i)=>off+i+1), all.subarray(off*dim,(off+n)*dim))); }
console.log("add", N, (performance.now()-t).toFixed(0));
function exact(q,k){ const s=[]; for(let i=0;i<N;i++){let d=0; for(let j=0;j<dim;j++) d+=all[i*dim+j]*q[j]; s.push([i+1,d]);} return s.sort((a,b)=>b[1]-a[1]).slice(0,k); }
const qs = Array.from({length:30},(_,i)=> norm(distinct[(i*37)%2000].map(x=>x+r()*0.08)));
const exacts = qs.map(q=>new Set(exact(q,100).map(x=>x[0])));
async function timeq(label, mk) { const ts=[]; let rec=0; for (const [i,q] of qs.entries()) { const t0=performance.now(); const res = await mk(q).select(["id","_distance"]).toArray(); ts.push(performance.now()-t0); rec += res.slice(0,100).filter(x=>exacts[i].has(Number(x.id))).length/100; } ts.sort((a,b)=>a-b); console.log(label, "p50", ts[15].toFixed(1), "p90", ts[27].toFixed(1), "recall@100", (rec/qs.length).toFixed(3)); }
await timeq("flat", q=>tbl.vectorSearch(q).distanceType("dot").limit(100));
const which = process.argv[3] ?? "both";
if (which !== "hnsw") {
t = performance.now();
await tbl.createIndex("vector", { config: lancedb.Index.ivfPq({ distanceType: "dot", numPartitions: Math.round(Math.sqrt(N)), numSubVectors: dim/8 }) });
console.log("ivfpq build", (performance.now()-t).toFixed(0));
await timeq("ivfpq np20 rf5", q=>tbl.vectorSearch(q).distanceType("dot").limit(100).nprobes(20).refineFactor(5));
await timeq("ivfpq np40 rf10", q=>tbl.vectorSearch(q).distanceType("dot").limit(100).nprobes(40).refineFactor(10));
await tbl.dropIndex((await tbl.listIndices())[0].name);
}
if (which !== "ivf") {
t = performance.now();
await tbl.createIndex("vector", { config: lancedb.Index.hnswSq({ distanceType: "dot" }) });
console.log("hnswsq build", (performance.now()-t).toFixed(0), JSON.stringify((await tbl.listIndices())[0].indexDetails));
await timeq("hnswsq", q=>tbl.vectorSearch(q).distanceType("dot").limit(100));
await timeq("hnswsq ef300", q=>tbl.vectorSearch(q).distanceType("dot").limit(100).ef(300));
await timeq("hnswsq ef300 rf2", q=>tbl.vectorSearch(q).distanceType("dot").limit(100).ef(300).refineFactor(2));
}
console.log("rss MB", (process.memoryUsage().rss/1e6).toFixed(0));
