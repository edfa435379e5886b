import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EmbedderError, OpenAiEmbedder, createEmbedder } from "./index.js";

interface SeenRequest {
  path: string;
  authorization: string | undefined;
  body: { model: string; input: string[] };
}

type Reply = (req: SeenRequest, res: ServerResponse) => void;

/** The fake endpoint's vector for a text: unnormalised, and distinct per text. */
const rawVector = (text: string) => [text.length, 3, 4];

/** Answers like OpenAI, but lists the embeddings in reverse order, which the API allows. */
const reversedOrder: Reply = (req, res) => {
  const data = req.body.input.map((text, index) => ({ object: "embedding", index, embedding: rawVector(text) })).reverse();
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ object: "list", data, model: req.body.model }));
};

let server: Server;
let url: string;
let seen: SeenRequest[];
let reply: Reply;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      const request = { path: req.url ?? "", authorization: req.headers.authorization, body: JSON.parse(raw) as SeenRequest["body"] };
      seen.push(request);
      reply(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  reply = reversedOrder;
});

function unit(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe("OpenAiEmbedder against a fake remote embeddings endpoint", () => {
  it("posts {model, input} with the key, orders vectors by index and normalises them", async () => {
    const embedder = createEmbedder({ kind: "openai", url: `${url}/`, key: "sk-test", model: "text-embedding-3-small" });
    expect(embedder.id).toBe("openai:text-embedding-3-small");
    const texts = ["a", "bbbbbb", "cc"];
    const vectors = await embedder.embed(texts);

    texts.forEach((text, i) => {
      Array.from(vectors[i]!).forEach((x, d) => expect(x).toBeCloseTo(unit(rawVector(text))[d]!, 6));
    });
    expect(embedder.dimension).toBe(3);
    expect(embedder.status()).toBe("loaded");
    const last = seen.at(-1)!;
    expect(last.path).toBe("/v1/embeddings");
    expect(last.authorization).toBe("Bearer sk-test");
    expect(last.body).toEqual({ model: "text-embedding-3-small", input: texts });
  });

  it("learns the dimension on load and splits large inputs into capped requests", async () => {
    const embedder = new OpenAiEmbedder({ url, model: "m", batchSize: 2 });
    expect(() => embedder.dimension).toThrow(/load\(\)/);
    await embedder.load();
    expect(embedder.dimension).toBe(3);
    const vectors = await embedder.embed(["1", "22", "333", "4444", "55555"]);
    expect(vectors.map((v) => Math.round((v[0]! / v[1]!) * 3))).toEqual([1, 2, 3, 4, 5]);
    expect(seen.map((r) => r.body.input.length)).toEqual([1, 2, 2, 1]);
    expect(seen[0]!.authorization).toBeUndefined();
  });

  it("surfaces the endpoint's error status and body, and recovers once the endpoint does", async () => {
    reply = (_req, res) => {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: { message: "Incorrect API key provided" } }));
    };
    const embedder = new OpenAiEmbedder({ url, key: "sk-wrong", model: "m" });
    const failure = embedder.embed(["hello"]);
    await expect(failure).rejects.toBeInstanceOf(EmbedderError);
    await expect(failure).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/answered 401: .*Incorrect API key/) });
    await expect(failure).rejects.not.toThrow(/sk-wrong/);
    expect(embedder.status()).toBe("error");

    reply = reversedOrder;
    await embedder.load();
    expect(embedder.status()).toBe("loaded");
  });

  it("refuses an answer that leaves an input without an embedding", async () => {
    const embedder = new OpenAiEmbedder({ url, model: "m" });
    await embedder.load();
    reply = (req, res) => {
      const data = req.body.input.slice(1).map((text, i) => ({ index: i + 1, embedding: rawVector(text) }));
      res.end(JSON.stringify({ data }));
    };
    await expect(embedder.embed(["a", "b"])).rejects.toThrow(/answered 1 embeddings for 2 inputs/);
  });
});
