/** Structured-output requests on the wire: what the fake server records and answers. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSse, startFakeLlmServer, type FakeLlmServer } from '../fake-llm-server.js';

let server: FakeLlmServer;
beforeEach(async () => {
  server = await startFakeLlmServer();
});
afterEach(async () => {
  await server.close();
});

type Body = Record<string, unknown>;

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const schema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' }, nick: { type: 'string' } },
  required: ['name', 'age'],
};

const toolRequest = {
  model: 'claude-3-haiku-20240307',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'who?' }],
  tools: [{ name: 'json', description: 'Respond with a JSON object.', input_schema: schema }],
  tool_choice: { type: 'any', disable_parallel_tool_use: true },
};

describe('Anthropic forced json tool', () => {
  it('answers with a tool_use block holding the scripted value, and records the schema', async () => {
    server.script({ kind: 'reply', json: { name: 'Ada', age: 36 } });
    const body = (await (await post('/v1/messages', toolRequest)).json()) as Body;
    expect(body).toMatchObject({
      content: [{ type: 'tool_use', name: 'json', input: { name: 'Ada', age: 36 } }],
      stop_reason: 'tool_use',
    });
    expect(server.requests[0]?.structured).toEqual({
      via: 'anthropic-json-tool',
      schema,
      name: 'json',
    });
  });

  it('streams input_json_delta events that reassemble into the placeholder value', async () => {
    const response = await post('/v1/messages', { ...toolRequest, stream: true });
    const events = parseSse(await response.text());
    const data = events.map((e) => JSON.parse(e.data) as Body);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      ...events.slice(2, -3).map(() => 'content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(data[1]).toMatchObject({ content_block: { type: 'tool_use', name: 'json', input: {} } });
    const partials = data
      .filter((d) => d['type'] === 'content_block_delta')
      .map((d) => (d['delta'] as { type: string; partial_json: string }).partial_json);
    expect(partials.length).toBeGreaterThan(2);
    expect(JSON.parse(partials.join(''))).toEqual({ name: '', age: 0 });
    expect(data.at(-2)).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });

  it('reports max_tokens when scripted to stop for length, and ignores a json tool not to be used', async () => {
    server.script({ kind: 'reply', json: { name: 'x', age: 1 }, stopReason: 'length' });
    const cut = (await (await post('/v1/messages', toolRequest)).json()) as Body;
    expect(cut['stop_reason']).toBe('max_tokens');
    const none = (await (
      await post('/v1/messages', { ...toolRequest, tool_choice: { type: 'none' } })
    ).json()) as Body;
    expect(none).toMatchObject({ content: [{ type: 'text', text: 'echo: who?' }] });
    expect(server.requests[1]?.structured).toBeUndefined();
  });
});

describe('JSON answered as text', () => {
  it('Anthropic output_config.format gets the placeholder as text', async () => {
    const body = (await (
      await post('/v1/messages', {
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'who?' }],
        output_config: { format: { type: 'json_schema', schema } },
      })
    ).json()) as { content: { type: string; text: string }[] };
    expect(body.content[0]?.type).toBe('text');
    expect(JSON.parse(body.content[0]?.text ?? '')).toEqual({ name: '', age: 0 });
    expect(server.requests[0]?.structured?.via).toBe('anthropic-output-format');
  });

  it('OpenAI json_schema and json_object: placeholder or {}, streamed in pieces', async () => {
    const request = (format: unknown) => ({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'who?' }],
      response_format: format,
      stream: true,
    });
    const text = async (response: Response) =>
      parseSse(await response.text())
        .filter((e) => e.data !== '[DONE]')
        .map((e) => JSON.parse(e.data) as { choices: { delta: { content?: string } }[] })
        .map((c) => c.choices[0]?.delta.content ?? '');
    const pieces = await text(
      await post(
        '/v1/chat/completions',
        request({ type: 'json_schema', json_schema: { name: 'person', schema } }),
      ),
    );
    expect(pieces.filter((p) => p !== '').length).toBeGreaterThan(1);
    expect(JSON.parse(pieces.join(''))).toEqual({ name: '', age: 0 });
    const object = await text(await post('/v1/chat/completions', request({ type: 'json_object' })));
    expect(JSON.parse(object.join(''))).toEqual({});
    expect(server.requests.map((r) => r.structured)).toEqual([
      { via: 'openai-json-schema', schema, name: 'person' },
      { via: 'openai-json-object', schema: undefined, name: undefined },
    ]);
  });

  it('a scripted text is sent verbatim (to test invalid JSON handling)', async () => {
    server.script({ kind: 'reply', text: '{"name":' });
    const body = (await (
      await post('/v1/chat/completions', {
        model: 'gpt-test',
        messages: [{ role: 'user', content: 'who?' }],
        response_format: { type: 'json_object' },
      })
    ).json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe('{"name":');
  });
});
