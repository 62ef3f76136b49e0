import { describe, expect, it } from 'vitest';
import { neutraliseCsvCell } from './csv';

describe('neutraliseCsvCell', () => {
  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://evil.example")'])('quotes %j', (cell) => {
    expect(neutraliseCsvCell(cell)).toBe(`'${cell}`);
  });

  it.each(['', 'failing', 'a=b', ' =1', "'quoted", 'history-report', '1.5'])('leaves %j alone', (cell) => {
    expect(neutraliseCsvCell(cell)).toBe(cell);
  });
});
