// Prints rows as a plain-text table, the first row its header, columns padded to their widest cell: the form every
// benchmark prints its figures in (and bench-smoke reads back).

export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const [i, row] of rows.entries()) {
    process.stdout.write(`${row.map((c, j) => c.padEnd(widths[j]!)).join('  ')}\n`);
    if (i === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  }
  process.stdout.write('\n');
}
