import { Field, FixedSizeList, Float32, Int64, RecordBatch, Schema, Struct, Table, makeData } from "apache-arrow";

/** A tenant table's columns: the memory id and its normalised vector. */
export function vectorSchema(dimension: number): Schema {
  return new Schema([
    new Field("id", new Int64(), false),
    new Field("vector", new FixedSizeList(dimension, new Field("item", new Float32(), false)), false),
  ]);
}

/**
 * Packs rows into one Arrow record batch without going through JS objects per value
 * (LanceDB's row-object path infers types number by number, far slower at 512 dimensions).
 */
export function toArrowTable(rows: readonly { id: number; vector: Float32Array }[], dimension: number): Table {
  const schema = vectorSchema(dimension);
  const n = rows.length;
  const ids = new BigInt64Array(n);
  const floats = new Float32Array(n * dimension);
  rows.forEach((r, i) => {
    if (r.vector.length !== dimension) throw new Error(`vector has ${r.vector.length} dimensions, index has ${dimension}`);
    ids[i] = BigInt(r.id);
    floats.set(r.vector, i * dimension);
  });
  const [idField, vectorField] = schema.fields as [Field<Int64>, Field<FixedSizeList<Float32>>];
  const idData = makeData({ type: idField.type, length: n, nullCount: 0, data: ids });
  const child = makeData({ type: new Float32(), length: n * dimension, nullCount: 0, data: floats });
  const vectorData = makeData({ type: vectorField.type, length: n, nullCount: 0, child });
  const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [idData, vectorData] });
  return new Table([new RecordBatch(schema, struct)]);
}

/** A SQL list for Lance's filter language; ids are integers, so no quoting is involved. */
export function idList(ids: Iterable<number>): string {
  return `id IN (${[...ids].map((id) => String(Math.trunc(id))).join(", ")})`;
}
