import { startFakeLlm, type FakeLlm } from "./fake-llm.js";
import { startServer, type RunningServer } from "./server.js";
import { twoTenants, type Client } from "./tenants.js";

export interface ServerWithFakeLlm {
  fake: FakeLlm;
  server: RunningServer;
  alice: Client;
  bob: Client;
  stop(): Promise<void>;
}

/**
 * A real server whose LLM is a FAKE OpenAI-compatible endpoint (a remote LLM cannot exist here),
 * with two tenants. Post-store jobs are off (ENGRAM_INTELLIGENCE_JOBS=0): every model call then
 * comes from the request under test and takes the answers the test scripted, none is taken by a
 * background job. `env` adds to or overrides these settings (the timeout, say).
 */
export async function startServerWithFakeLlm(env: Record<string, string> = {}): Promise<ServerWithFakeLlm> {
  const fake = await startFakeLlm();
  const server = await startServer({
    ENGRAM_EMBEDDING_PROVIDER: "none",
    ENGRAM_INTELLIGENCE_JOBS: "0",
    ENGRAM_LLM_URL: fake.url,
    ENGRAM_LLM_MODEL: "fake-model",
    ENGRAM_LLM_TIMEOUT_MS: "1500",
    ...env,
  });
  const t = await twoTenants(server.url);
  return {
    fake,
    server,
    alice: t.alice.api,
    bob: t.bob.api,
    stop: async () => {
      await server.stop();
      await fake.close();
    },
  };
}
