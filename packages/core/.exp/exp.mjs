import * as lancedb from "@lancedb/lancedb";
import { Field, FixedSizeList, Float32, Int64, Schema, makeData, RecordBatch, Struct, Table } from "apache-arrow";
import fs from "node:fs";
const dim = 512;
const dir = "/tmp/lance-exp"; fs.rmSync(dir, {recursive:true, force:true});
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
function unitRows(n) { const f = new Float32Array(n*dim); for (let i=0;i<n;i++){ let s=0; for(let j=0;j<dim;j++){const x=r(); f[i*dim+j]=x; s+=x*x;} s=Math.sqrt(s); for(let j=0;j<dim;j++) f[i*dim+j]/=s;} return f; }
const N = Number(process.argv[2] ?? 20000);
const all = unitRows(N);
const db = await lancedb.connect(dir);
let t = performance.now();
const tbl = await db.createEmptyTable("u1", schema);
console.log("create", performance.now()-t);
t = performance.now();
for (let off=0; off<N; off+=5000) { const n = Math.min(5000, N-off); await tbl.add(batch(Array.from({length:n},(_,i)=>off+i+1), all.subarray(off*dim,(off+n)*dim))); }
console.log("add", N, performance.now()-t, "rows", await tbl.countRows());
const q = all.slice(7*dim, 8*dim);
for (const dt of ["dot","cosine"]) { const res = await tbl.vectorSearch(q).distanceType(dt).limit(3).select(["id"]).toArray(); console.log(dt, res.map(x=>[x.id, x._distance])); }
function exact(q,k){ const s=[]; for(let i=0;i<N;i++){let d=0; for(let j=0;j<dim;j++) d+=all[i*dim+j]*q[j]; s.push([i+1,d]);} return s.sort((a,b)=>b[1]-a[1]).slice(0,k); }
console.log("exact", exact(q,3));
const qs = Array.from({length:30},(_,i)=>{ const base = all.slice(i*13*dim,(i*13+1)*dim); const nq = unitRows(1); const v=new Float32Array(dim); let s=0; for(let j=0;j<dim;j++){v[j]=base[j]+nq[j]*0.8; s+=v[j]*v[j];} s=Math.sqrt(s); for(let j=0;j<dim;j++) v[j]/=s; return v;});
async function timeq(label, mk) { const ts=[]; let rec=0; for (const q of qs) { const t0=performance.now(); const res = await mk(q).toArray(); ts.push(performance.now()-t0); const ex = new Set(exact(q,10).map(x=>x[0])); rec += res.slice(0,10).filter(x=>ex.has(Number(x.id))).length/10; } ts.sort((a,b)=>a-b); console.log(label, "p50", ts[15].toFixed(1), "max", ts[29].toFixed(1), "recall@10", (rec/qs.length).toFixed(3)); }
await timeq("flat", q=>tbl.vectorSearch(q).distanceType("dot").limit(100).select(["id"]));
t=performance.now(); for (const q of qs) exact(q,100); console.log("js exact per q", ((performance.now()-t)/30).toFixed(1));
t = performance.now();
await tbl.createIndex("vector", { config: lancedb.Index.ivfPq({ distanceType: "dot", numPartitions: Math.round(Math.sqrt(N)), numSubVectors: dim/8 }) });
console.log("ivfpq build", performance.now()-t, await tbl.listIndices());
await timeq("ivfpq nprobes20 refine5", q=>tbl.vectorSearch(q).distanceType("dot").limit(100).nprobes(20).refineFactor(5).select(["id"]));
await timeq("ivfpq nprobes20", q=>tbl.vectorSearch(q).distanceType("dot").limit(100).nprobes(20).select(["id"]));
await timeq("ivfpq nprobes40 refine5", q=>tbl.vectorSearch(q).distanceType("dot").limit(100).nprobes(40).refineFactor(5).select(["id"]));
const idx = (await tbl.listIndices())[0].name; await tbl.dropIndex(idx);
t = performance.now();
await tbl.createIndex("vector", { config: lancedb.Index.hnswSq({ distanceType: "dot" }) });
console.log("hnswsq build", performance.now()-t);
await timeq("hnswsq", q=>tbl.vectorSearch(q).distanceType("dot").limit(100).select(["id"]));
await timeq("hnswsq refine2", q=>tbl.vectorSearch(q).distanceType("dot").limit(100).refineFactor(2).select(["id"]));
console.log("rss MB", process.memoryUsage().rss/1e6);
