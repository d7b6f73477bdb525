/** The AI SDK's warnings go to the plugin's structured log, never to the console (stdout). */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, workflow } from '@llm-orchestrator/core';
import { parseLlmConfig } from './config.js';
import { createLlmPlugin } from './plugin.js';
import { startFakeLlmServer, type FakeLlmServer } from './testing/fake-llm-server.js';

describe('AI SDK warnings', () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await startFakeLlmServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('are logged as structured warnings with the provider and model', async () => {
    const logged: { message: string; fields: Readonly<Record<string, unknown>> }[] = [];
    const llm = createLlmPlugin({
      config: parseLlmConfig({
        providers: { anthropic: { kind: 'anthropic', baseUrl: server.v1BaseUrl, apiKey: 'k' } },
      }),
      log: (_level, message, fields) => logged.push({ message, fields }),
    });
    const engine = createEngine();
    llm.install(engine);
    const info = vi.spyOn(console, 'info');
    const warn = vi.spyOn(console, 'warn');
    const result = await engine.run(
      workflow('warm')
        .task('ask', {
          executor: 'llm:chat',
          // Anthropic's maximum temperature is 1: the SDK clamps it, with a warning.
          inputs: {
            provider: 'anthropic',
            model: 'claude-3-haiku',
            prompt: 'hi',
            temperature: 1.5,
          },
        })
        .build(),
    );
    await llm.close();
    expect(result.status).toBe('completed');
    expect(info).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    expect(logged).toContainEqual(
      expect.objectContaining({
        message: 'the AI SDK warned about a call',
        fields: expect.objectContaining({
          warning: expect.objectContaining({ feature: 'temperature' }) as unknown,
        }) as unknown,
      }),
    );
  });
});
