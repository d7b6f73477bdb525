import { describe, expect, it } from 'vitest';
import { judgeSystemPrompt, judgeUserPrompt, parseJudgeReply } from './judge-prompt.js';

describe('judge prompt', () => {
  it('asks for a JSON object on the given scale', () => {
    const system = judgeSystemPrompt(5);
    expect(system).toContain('from 0 (fails the rubric entirely) to 5');
    expect(system).toContain(
      '{"score": <number from 0 to 5>, "reasoning": "<one or two sentences>"}',
    );
  });

  it('sets rubric, question, reference answer and response apart', () => {
    const prompt = judgeUserPrompt({
      rubric: 'Is it correct?',
      question: 'What is 2+2?',
      groundTruth: '4',
      response: 'Four.',
      scale: 10,
    });
    expect(prompt).toBe(
      [
        '<rubric>\nIs it correct?\n</rubric>',
        '<question>\nWhat is 2+2?\n</question>',
        '<reference_answer>\n4\n</reference_answer>',
        '<response>\nFour.\n</response>',
        'Grade the response from 0 to 10. Reply with the JSON object only.',
      ].join('\n\n'),
    );
    const bare = judgeUserPrompt({ rubric: 'r', response: 'x', scale: 10 });
    expect(bare).not.toContain('<question>');
    expect(bare).not.toContain('<reference_answer>');
  });
});

describe('parseJudgeReply', () => {
  it('reads the asked-for JSON object', () => {
    expect(parseJudgeReply('{"score": 8, "reasoning": "Mostly right."}')).toEqual({
      rawScore: 8,
      reasoning: 'Mostly right.',
      parsedFrom: 'json',
    });
  });

  it('reads JSON inside a code fence, or inside prose', () => {
    expect(parseJudgeReply('```json\n{"score": 7.5, "reasoning": "ok"}\n```')).toMatchObject({
      rawScore: 7.5,
      parsedFrom: 'json',
    });
    expect(
      parseJudgeReply('Here is my grade: {"score": "6", "reason": "partial"} Thanks.'),
    ).toEqual({ rawScore: 6, reasoning: 'partial', parsedFrom: 'json' });
  });

  it('falls back to the number after "score", then to the first number', () => {
    expect(parseJudgeReply('I would rate this 1 of the better ones. Score: 9/10')).toMatchObject({
      rawScore: 9,
      parsedFrom: 'text',
    });
    expect(parseJudgeReply('{"score": 7, "reasoning": "unterminated')).toMatchObject({
      rawScore: 7,
      parsedFrom: 'text',
      reasoning: '{"score": 7, "reasoning": "unterminated',
    });
    expect(parseJudgeReply('Solid answer, 8 out of 10.')).toMatchObject({ rawScore: 8 });
  });

  it('finds no score in a reply without a number', () => {
    expect(parseJudgeReply('I cannot grade this.')).toBeUndefined();
    expect(parseJudgeReply('')).toBeUndefined();
  });
});
