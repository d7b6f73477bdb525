/* Regenerates packages/core/workflow.schema.json from the zod schemas (npm run schema:write). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toJsonSchema } from '../src/definition/schema.js';

const target = fileURLToPath(new URL('../workflow.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(toJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
