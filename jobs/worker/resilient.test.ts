import { describe, expect, it } from 'vitest';
import { isConnectionError, untilDatabaseAnswers } from './resilient';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('writes again while the database is unreachable', () => {
  it('knows a lost connection from a wrong statement, also inside a wrapping error', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'CONNECTION_CLOSED', 'CONNECT_TIMEOUT', '57P01', '57P03', '08006']) expect(isConnectionError(withCode(code))).toBe(true);
    for (const code of ['CONNECTION_ENDED', 'CONNECTION_DESTROYED', '23505', '42P01']) expect(isConnectionError(withCode(code))).toBe(false);
    expect(isConnectionError(new Error('Failed query', { cause: withCode('57P01') }))).toBe(true);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
  });

  it('runs the write again after connection errors, and throws any other error at once', async () => {
    let calls = 0;
    const retried: number[] = [];
    const value = await untilDatabaseAnswers(
      async () => {
        calls++;
        if (calls < 3) throw withCode('ECONNREFUSED');
        return 'written';
      },
      { onRetry: (_, attempt) => retried.push(attempt) },
    );
    expect({ value, calls, retried }).toEqual({ value: 'written', calls: 3, retried: [1, 2] });

    let wrongCalls = 0;
    const wrong = withCode('23505', 'duplicate key');
    await expect(
      untilDatabaseAnswers(async () => {
        wrongCalls++;
        throw wrong;
      }),
    ).rejects.toBe(wrong);
    expect(wrongCalls).toBe(1);
  });

  it('gives up after its time limit with the last error', async () => {
    let calls = 0;
    const started = Date.now();
    await expect(
      untilDatabaseAnswers(
        async () => {
          calls++;
          throw withCode('CONNECTION_CLOSED', `try ${calls}`);
        },
        { giveUpAfterMs: 400 },
      ),
    ).rejects.toThrow(/^try \d+$/);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(calls).toBeGreaterThanOrEqual(3); // 100 + 200 ms of waits fit in 400 ms
  });
});
