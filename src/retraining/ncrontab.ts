export class ScheduleError extends Error {
    override name = 'ScheduleError';
}

/** A parsed schedule: the next occurrence strictly after a time. */
export interface Schedule {
    next(after: Date): Date;
    readonly text: string;
}

interface Field {
    min: number;
    max: number;
    names?: string[];
}

const FIELDS: Field[] = [
    { min: 0, max: 59 }, // second
    { min: 0, max: 59 }, // minute
    { min: 0, max: 23 }, // hour
    { min: 1, max: 31 }, // day of month
    { min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
    { min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

function value(token: string, f: Field, dow: boolean): number {
    const upper = token.toUpperCase();
    const named = f.names?.indexOf(upper) ?? -1;
    let n = named >= 0 ? named + f.min : Number(token);
    if (dow && n === 7) n = 0; // both 0 and 7 mean Sunday
    if (!Number.isInteger(n) || n < f.min || n > f.max)
        throw new ScheduleError(`'${token}' is out of range ${f.min}-${f.max}.`);
    return n;
}

function parseField(text: string, f: Field, dow: boolean): Set<number> {
    const out = new Set<number>();
    for (const part of text.split(',')) {
        const [range, stepText] = part.split('/');
        const step = stepText === undefined ? 1 : Number(stepText);
        if (!Number.isInteger(step) || step < 1) throw new ScheduleError(`Bad step in '${part}'.`);
        let lo: number;
        let hi: number;
        if (range === '*' || range === undefined) {
            lo = f.min;
            hi = dow ? 6 : f.max;
        } else if (range.includes('-')) {
            const [a, b] = range.split('-');
            lo = value(a ?? '', f, false);
            hi = value(b ?? '', f, false);
        } else {
            lo = value(range, f, dow);
            hi = stepText === undefined ? lo : f.max;
        }
        if (lo > hi) throw new ScheduleError(`Bad range '${range}'.`);
        for (let v = lo; v <= hi; v += step) out.add(dow && v === 7 ? 0 : v);
    }
    return out;
}

/**
 * NCRONTAB with seconds, `{second} {minute} {hour} {day} {month} {day-of-week}`, in UTC; a 5-field
 * expression gets second 0. A TimeSpan (`hh:mm:ss` or `d.hh:mm:ss`) is a fixed interval.
 */
export function parseSchedule(text: string): Schedule {
    const trimmed = text.trim();
    const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(trimmed);
    if (span) {
        const ms =
            ((Number(span[1] ?? 0) * 24 + Number(span[2])) * 3600 + Number(span[3]) * 60 + Number(span[4])) * 1000;
        if (ms <= 0) throw new ScheduleError(`Interval '${text}' must be positive.`);
        return { text, next: (after) => new Date(after.getTime() + ms) };
    }
    let parts = trimmed.split(/\s+/);
    if (parts.length === 5) parts = ['0', ...parts];
    if (parts.length !== 6) throw new ScheduleError(`'${text}' is not a 6-field NCRONTAB expression.`);
    let sets: Set<number>[];
    try {
        sets = parts.map((p, i) => parseField(p, FIELDS[i], i === 5));
    } catch (err: unknown) {
        throw new ScheduleError(`Invalid schedule '${text}': ${err instanceof Error ? err.message : String(err)}`);
    }
    const [sec, min, hour, day, month, dow] = sets as [
        Set<number>,
        Set<number>,
        Set<number>,
        Set<number>,
        Set<number>,
        Set<number>,
    ];
    const anyDay = parts[3] === '*';
    const anyDow = parts[5] === '*';
    const dayMatches = (d: Date): boolean => {
        // cron rule: when both day fields are restricted, either may match
        const dm = day.has(d.getUTCDate());
        const wm = dow.has(d.getUTCDay());
        if (anyDay && anyDow) return true;
        if (anyDay) return wm;
        if (anyDow) return dm;
        return dm || wm;
    };
    return {
        text,
        next(after) {
            const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
            const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
            while (t.getTime() <= limit) {
                if (!month.has(t.getUTCMonth() + 1)) {
                    t.setUTCMonth(t.getUTCMonth() + 1, 1);
                    t.setUTCHours(0, 0, 0, 0);
                } else if (!dayMatches(t)) {
                    t.setUTCDate(t.getUTCDate() + 1);
                    t.setUTCHours(0, 0, 0, 0);
                } else if (!hour.has(t.getUTCHours())) {
                    t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
                } else if (!min.has(t.getUTCMinutes())) {
                    t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
                } else if (!sec.has(t.getUTCSeconds())) {
                    t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
                } else {
                    return t;
                }
            }
            throw new ScheduleError(`Schedule '${text}' has no occurrence within five years.`);
        },
    };
}

/**
 * A schedule for the Functions host's own timer trigger (`app.timer`'s `schedule`). The host's
 * `CronSchedule.TryCreate` parses NCRONTAB with `IncludingSeconds = true`
 * (azure-webjobs-sdk-extensions, Timers/Scheduling/CronSchedule.cs), so a 5-field expression is not
 * a schedule there and the timer never fires; this refuses it instead of reading it as second 0.
 * Targets' own `schedule` keys are Retrainer's and keep accepting 5 fields (parseSchedule).
 * @throws ScheduleError naming `what` (e.g. the setting) for a 5-field or otherwise invalid value.
 */
export function parseHostSchedule(text: string, what = 'schedule'): Schedule {
    if (text.trim().split(/\s+/).length === 5) {
        throw new ScheduleError(
            `${what} '${text}' has 5 fields; the Functions host's timer needs 6 ({second} {minute} {hour} {day} {month} {day-of-week}), e.g. '0 ${text.trim()}'.`,
        );
    }
    try {
        return parseSchedule(text);
    } catch (err: unknown) {
        throw new ScheduleError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
}
