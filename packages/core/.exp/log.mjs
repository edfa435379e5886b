import * as lancedb from "@lancedb/lancedb";
process.env.LANCEDB_LOG = "error";
const db = await lancedb.connect("/tmp/lance-log");
const t = await db.createTable("t" + Date.now(), [{ id: 1, vector: [1, 0] }, { id: 2, vector: [0, 1] }]);
console.log(await t.vectorSearch([1, 0]).select(["id"]).limit(1).toArray());
