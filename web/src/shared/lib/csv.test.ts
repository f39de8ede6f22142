import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '@/shared/lib/csv';

describe('csvCell', () => {
  it('leaves plain values alone', () => {
    expect(csvCell('GIN-70')).toBe('GIN-70');
    expect(csvCell(1234.5)).toBe('1234.5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('quotes commas, quotes and line breaks, doubling embedded quotes', () => {
    expect(csvCell('Gin, 70 cl')).toBe('"Gin, 70 cl"');
    expect(csvCell('The "Classic" gin')).toBe('"The ""Classic"" gin"');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded ')).toBe('" padded "');
  });

  it('neutralises text that a spreadsheet would run as a formula, but not numbers', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-12.50')).toBe('-12.50');
  });
});

describe('toCsv', () => {
  it('joins cells with commas and rows with CRLF', () => {
    expect(
      toCsv([
        ['key', 'label'],
        ['UK', 'United Kingdom, GB'],
        [],
      ]),
    ).toBe('key,label\r\nUK,"United Kingdom, GB"\r\n\r\n');
  });
});
