import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvRecordCounter, neutraliseCsvCell } from './csv';

describe('neutraliseCsvCell', () => {
  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://evil.example")'])('quotes %j', (cell) => {
    expect(neutraliseCsvCell(cell)).toBe(`'${cell}`);
  });

  it.each(['', 'failing', 'a=b', ' =1', "'quoted", 'history-report', '1.5'])('leaves %j alone', (cell) => {
    expect(neutraliseCsvCell(cell)).toBe(cell);
  });
});

describe('CsvRecordCounter', () => {
  const csv = 'id,text\n1,plain\n2,"a ""quoted"" word"\n3,"two\nlines"\n4,"ends with a quote"""\n5,\n6,"x\r\ny\n"\n';
  const expected = (parse(csv) as unknown[]).length;

  it('counts records, not line feeds inside quoted fields, whichever way the bytes are split', () => {
    const bytes = new TextEncoder().encode(csv);
    expect(expected).toBe(7);
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (const size of [1, 2, 3, 7]) {
        const counter = new CsvRecordCounter();
        counter.add(bytes.subarray(0, cut));
        for (let at = cut; at < bytes.length; at += size) counter.add(bytes.subarray(at, at + size));
        expect([cut, size, counter.records]).toEqual([cut, size, expected]);
        expect(counter.bytes).toBe(bytes.length);
      }
    }
  });
});
