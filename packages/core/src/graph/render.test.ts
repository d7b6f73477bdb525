import { describe, expect, it } from 'vitest';
import { buildDag } from './dag.js';
import { escapeMermaidText, quoteDot, toDot, toMermaid } from './render.js';

const dag = buildDag([
  { id: 'fetch', dependsOn: [] },
  { id: 'summarize', dependsOn: [{ id: 'fetch', kind: 'data', outputKey: 'page' }] },
  {
    id: 'notify',
    dependsOn: [
      { id: 'summarize', kind: 'success' },
      { id: 'fetch', kind: 'completion' },
    ],
  },
  { id: 'audit', dependsOn: [{ id: 'fetch', kind: 'data' }] },
]);

const executors: Record<string, string> = { summarize: 'llm "gpt"', notify: 'http' };

describe('toMermaid', () => {
  it('renders nodes and the three edge kinds', () => {
    expect(toMermaid(dag)).toBe(
      [
        'flowchart TD',
        '  n0["fetch"]',
        '  n1["summarize"]',
        '  n2["notify"]',
        '  n3["audit"]',
        '  n0 -->|page| n1',
        '  n1 --> n2',
        '  n0 -.->|completion| n2',
        '  n0 -->|data| n3',
        '',
      ].join('\n'),
    );
  });

  it('renders a title, direction and escaped extra labels', () => {
    expect(
      toMermaid(dag, { title: 'Daily "digest"', direction: 'LR', label: (id) => executors[id] }),
    ).toBe(
      [
        '---',
        'title: "Daily \\"digest\\""',
        '---',
        'flowchart LR',
        '  n0["fetch"]',
        '  n1["summarize<br/>llm #quot;gpt#quot;"]',
        '  n2["notify<br/>http"]',
        '  n3["audit"]',
        '  n0 -->|page| n1',
        '  n1 --> n2',
        '  n0 -.->|completion| n2',
        '  n0 -->|data| n3',
        '',
      ].join('\n'),
    );
  });

  it('quotes unusual edge labels', () => {
    const g = buildDag([
      { id: 'a', dependsOn: [] },
      { id: 'b', dependsOn: [{ id: 'a', kind: 'data', outputKey: 'x|"y"' }] },
    ]);
    expect(toMermaid(g).split('\n')[3]).toBe('  n0 -->|"x#124;#quot;y#quot;"| n1');
  });

  it('escapes text so it cannot form entity codes, html or breaks', () => {
    expect(escapeMermaidText('a#quot;b "c" <i>&\nz')).toBe(
      'a#35;quot;b #quot;c#quot; #lt;i#gt;#amp;<br/>z',
    );
  });
});

describe('toDot', () => {
  it('renders nodes and the three edge kinds', () => {
    expect(toDot(dag)).toBe(
      [
        'digraph {',
        '  rankdir=TB;',
        '  node [shape=box];',
        '  "fetch";',
        '  "summarize";',
        '  "notify";',
        '  "audit";',
        '  "fetch" -> "summarize" [label="page"];',
        '  "summarize" -> "notify";',
        '  "fetch" -> "notify" [style=dashed, label="completion"];',
        '  "fetch" -> "audit" [label="data"];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('renders a title, direction and escaped extra labels', () => {
    expect(
      toDot(dag, { title: 'Daily "digest"', direction: 'LR', label: (id) => executors[id] }),
    ).toBe(
      [
        'digraph "Daily \\"digest\\"" {',
        '  rankdir=LR;',
        '  label="Daily \\"digest\\"";',
        '  labelloc=t;',
        '  node [shape=box];',
        '  "fetch";',
        '  "summarize" [label="summarize\\nllm \\"gpt\\""];',
        '  "notify" [label="notify\\nhttp"];',
        '  "audit";',
        '  "fetch" -> "summarize" [label="page"];',
        '  "summarize" -> "notify";',
        '  "fetch" -> "notify" [style=dashed, label="completion"];',
        '  "fetch" -> "audit" [label="data"];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslashes, quotes and line breaks', () => {
    expect(quoteDot('a\\b "c"\nd')).toBe('"a\\\\b \\"c\\"\\nd"');
  });
});
