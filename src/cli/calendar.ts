import { Command } from 'commander';
import { weekdayNameVi } from '../calendar/holidays.ts';
import { isoToJdn, jdnToIso } from '../calendar/lunar.ts';
import type { CalendarDay } from '../calendar/service.ts';

/** What the commands need: the read side of the calendar. */
interface CalendarReads {
  days(from: string, to: string): Promise<CalendarDay[]>;
  day(date: string): Promise<CalendarDay>;
  addWorkingDays(from: string, n: number): Promise<string>;
  addDays(from: string, n: number): Promise<string>;
}

/**
 * Opens the configured database so the coordinator's overrides count. A
 * database without the calendar table (not migrated yet) falls back to the
 * computed default plus the announcements shipped with the platform, and says so.
 */
async function withCalendar<T>(fn: (c: CalendarReads) => Promise<T>): Promise<T> {
  const { loadConfig } = await import('../core/config.ts');
  const { openDatabase } = await import('../db/open.ts');
  const { systemClock } = await import('../core/clock.ts');
  const { createCalendar } = await import('../calendar/index.ts');
  const { calendarReader } = await import('../calendar/service.ts');
  const { calendarSeed } = await import('../calendar/seed.ts');
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const r = await db.query<{ ok: boolean }>(`SELECT to_regclass('calendar_days') IS NOT NULL AS ok`);
    if (r.rows[0]?.ok) return await fn(createCalendar(db, systemClock));
    console.error(
      'Chú ý / note: CSDL chưa có bảng lịch (chạy "lienthong migrate"); dùng lịch mặc định và thông báo đi kèm / no calendar table yet: using the default calendar and the shipped announcements',
    );
    const shipped = new Map(calendarSeed().overrides.map((d) => [isoToJdn(d.date), d]));
    const { dayAt: _d, workingAt: _w, ...reads } = calendarReader(async () => shipped);
    return await fn(reads);
  } finally {
    await db.close();
  }
}

function count(n: string): number {
  if (!/^-?\d+$/.test(n)) throw new Error(`"${n}" không phải số nguyên / is not an integer`);
  return Number(n);
}

const dmy = (iso: string): string => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

export function calendarCommand(): Command {
  const cmd = new Command('calendar').description(
    'Lịch ngày làm việc và tính thời hạn theo Bộ luật Dân sự 2015 Điều 147–148 / working-day calendar and deadlines (Civil Code 2015, Art. 147–148)',
  );

  cmd
    .command('working-days <from> <n>')
    .description('N ngày làm việc tiếp theo sau FROM (không tính FROM) / the next N working days after FROM')
    .option('--json', 'JSON output')
    .action(async (from: string, n: string, o: { json?: boolean }) => {
      const want = count(n);
      if (want < 1) throw new Error('N ≥ 1');
      await withCalendar(async (c) => {
        const last = await c.addWorkingDays(from, want);
        const next = (await c.days(nextDay(from), last)).filter((d) => d.working);
        if (o.json) console.log(JSON.stringify(next, null, 2));
        else next.forEach((d, i) => console.log(`${String(i + 1).padStart(4)}. ${dmy(d.date)}  ${d.date}  ${d.reason}`));
      });
    });

  cmd
    .command('add <from> <n>')
    .description('Thời hạn: ngày làm việc thứ N sau FROM / the deadline: the N-th working day after FROM')
    .option(
      '--calendar-days',
      'N ngày theo lịch; ngày cuối là ngày nghỉ thì lùi sang ngày làm việc kế tiếp / N calendar days, moved to the next working day when it ends on a day off',
    )
    .option('--json', 'JSON output')
    .action(async (from: string, n: string, o: { calendarDays?: boolean; json?: boolean }) => {
      const period = count(n);
      await withCalendar(async (c) => {
        const deadline = o.calendarDays ? await c.addDays(from, period) : await c.addWorkingDays(from, period);
        const day = await c.day(deadline);
        if (o.json) {
          console.log(
            JSON.stringify({ from, n: period, unit: o.calendarDays ? 'calendar_days' : 'working_days', deadline, deadline_vi: dmy(deadline), day }, null, 2),
          );
          return;
        }
        const unit = o.calendarDays ? 'ngày / calendar days' : 'ngày làm việc / working days';
        console.log(`${dmy(from)} + ${period} ${unit}`);
        console.log(`Hạn / deadline: ${weekdayNameVi(isoToJdn(deadline))} ${dmy(deadline)} (${deadline}) — ${day.reason}`);
      });
    });

  cmd
    .command('days <from> <to>')
    .description('Từng ngày trong khoảng (tối đa 3 năm) / every day of a range (at most 3 years)')
    .option('--off', 'chỉ ngày nghỉ không phải cuối tuần và ngày làm bù / only holidays, days off and make-up days')
    .action(async (from: string, to: string, o: { off?: boolean }) => {
      await withCalendar(async (c) => {
        for (const d of await c.days(from, to)) {
          if (o.off && (d.kind === 'weekend' || d.kind === 'workday')) continue;
          console.log(`${dmy(d.date)}  ${d.date}  ${d.working ? 'làm việc' : 'nghỉ    '}  ${d.reason}`);
        }
      });
    });

  return cmd;
}

/** The day after `iso` (Julian-day arithmetic, no time zone); the service validates `iso` first. */
function nextDay(iso: string): string {
  return jdnToIso(isoToJdn(iso) + 1);
}
