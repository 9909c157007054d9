import { progressDisplay } from '../../shared/import/cli';

describe('import progress', () => {
  it('prints a plain line every few seconds when not on a terminal', () => {
    const written: string[] = [];
    let clock = 0;
    const progress = progressDisplay({ write: (t: string) => written.push(t) }, 1000, () => clock);
    clock = 1000;
    progress.update({ rows: 100, bytes: 100 });
    clock = 3500;
    progress.update({ rows: 350, bytes: 250 });
    clock = 4000;
    progress.update({ rows: 400, bytes: 300 });
    clock = 7000;
    progress.update({ rows: 700, bytes: 500 });
    expect(written).toEqual([
      '350 rows read (25% of the file, 100 rows/s, about 11 s left)\n',
      '700 rows read (50% of the file, 100 rows/s, about 7 s left)\n',
    ]);
  });

  it('draws a bar with rows, rows/s, percent and ETA on a terminal', () => {
    let text = '';
    const tty = {
      isTTY: true,
      columns: 120,
      write: (t: string) => ((text += t), true),
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on: () => tty,
      removeListener: () => tty,
    };
    let clock = 0;
    const progress = progressDisplay(tty as never, 1000, () => clock);
    clock = 2000;
    progress.update({ rows: 500, bytes: 500 });
    progress.stop();
    expect(text).toMatch(/50% \| 500 rows \| 250 rows\/s \| ETA/);
  });
});
