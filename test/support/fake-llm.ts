import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A FAKE OpenAI-compatible chat endpoint, for tests only: a remote LLM cannot exist here. It
 * answers POST …/chat/completions from a queue of scripted answers (then the default one) and
 * records every request body, so a test can check what Engram sent and how it copes with
 * garbage, rate limits and an endpoint that never answers.
 */
export type FakeAnswer =
  /** A well-formed completion whose message content is this value as JSON. */
  | { json: unknown }
  /** A well-formed completion whose message content is this text as is. */
  | { content: string }
  /** An HTTP error with this status and body. */
  | { status: number; body?: string }
  /** Accept the request and never answer. */
  | { hang: true };

export interface FakeLlm {
  /** Base URL to set as ENGRAM_LLM_URL (`http://127.0.0.1:<port>/v1`). */
  url: string;
  /** Bodies of the chat requests received, oldest first. */
  requests: Record<string, unknown>[];
  /** Queues answers for the next requests, in order. */
  answer(...answers: FakeAnswer[]): void;
  /** The answer once the queue is empty. */
  setDefault(answer: FakeAnswer): void;
  /** Forgets queued answers and recorded requests, and restores the initial default (between tests). */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeLlm(initialDefault: FakeAnswer = { json: {} }): Promise<FakeLlm> {
  const queue: FakeAnswer[] = [];
  let fallback = initialDefault;
  const requests: Record<string, unknown>[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      requests.push(body);
      const answer = queue.shift() ?? fallback;
      if ("hang" in answer) {
        hanging.add(res);
        return;
      }
      if ("status" in answer) {
        res.writeHead(answer.status, { "Content-Type": "application/json" }).end(answer.body ?? JSON.stringify({ error: { message: "fake error" } }));
        return;
      }
      const content = "json" in answer ? JSON.stringify(answer.json) : answer.content;
      res.writeHead(200, { "Content-Type": "application/json" }).end(
        JSON.stringify({
          id: `fake-${requests.length}`,
          object: "chat.completion",
          model: body.model,
          choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
          usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    answer: (...answers) => void queue.push(...answers),
    setDefault: (answer) => void (fallback = answer),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      fallback = initialDefault;
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
