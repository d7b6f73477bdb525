/** docs/openapi.json is the document the server serves: regenerate it with `npm run openapi:write`. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi-document.js';

describe('docs/openapi.json', () => {
  it('is what the server serves', async () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../../../docs/openapi.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(committed, 'run `npm run openapi:write`').toEqual(await openApiDocument());
  });
});
