/** The OpenAPI document the server serves at `/openapi.json`, built without listening. */
import { createEngine, MemoryStore } from '@llm-orchestrator/core';
import { OrchestratorService } from '../service/orchestrator-service.js';
import { buildRestApp } from './app.js';

export async function openApiDocument(): Promise<unknown> {
  const store = new MemoryStore();
  const engine = createEngine({ store });
  const app = await buildRestApp({ api: new OrchestratorService({ engine, store }) });
  try {
    await app.ready();
    return app.swagger();
  } finally {
    await app.close();
    await engine.close();
  }
}
