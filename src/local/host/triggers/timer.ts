import { ContainerClient } from '@azure/storage-blob';

import { resolveSettingRefs } from '../config/settings';
import { Invoker } from '../core/invoker';
import { HostLogger } from '../core/log';
import { RegisteredFunction } from '../core/registry';
import { tolerate } from '../storage/clients';
import { Clock } from '../durable/clock';
import { parseHostSchedule, Schedule } from '../../../retraining/ncrontab';
import { invokeWithRetry } from './retry';

/**
 * A timer function's schedule, with its `%SETTING%` resolved. A 5-field NCRONTAB is refused, as
 * the real host's CronSchedule (seconds required) would never fire it (docs/fidelity.md, T4).
 * @throws ScheduleError naming the function.
 */
export function timerSchedule(fn: RegisteredFunction): Schedule {
    return parseHostSchedule(
        resolveSettingRefs(typeof fn.trigger.schedule === 'string' ? fn.trigger.schedule : ''),
        `Timer '${fn.id}' schedule`,
    );
}

export interface ScheduleStatus {
    Last: string;
    Next: string;
    LastUpdated: string;
}

const MAX_TIMEOUT = 2 ** 31 - 1;

/**
 * One timer-triggered function: fires on its NCRONTAB schedule, once at start-up with
 * `runOnStartup`, and at start-up with isPastDue when the persisted status shows a missed
 * occurrence. Status lives where the real host keeps it: azure-webjobs-hosts/timers/{hostId}/{name}/status.
 */
export class TimerTrigger {
    readonly schedule: Schedule;
    #timeout: NodeJS.Timeout | undefined;
    #stopped = false;
    #firing: Promise<void> = Promise.resolve();

    constructor(
        private readonly fn: RegisteredFunction,
        private readonly invoker: Invoker,
        private readonly hosts: ContainerClient,
        private readonly hostId: string,
        private readonly log: HostLogger,
        private readonly clock: Clock,
    ) {
        this.schedule = timerSchedule(fn);
    }

    get name(): string {
        return this.fn.id;
    }

    private get statusBlob(): string {
        return `timers/${this.hostId}/${this.fn.id}/status`;
    }

    private get monitored(): boolean {
        return this.fn.trigger.useMonitor !== false;
    }

    async readStatus(): Promise<ScheduleStatus | undefined> {
        const buf = await tolerate(this.hosts.getBlockBlobClient(this.statusBlob).downloadToBuffer(), 404);
        return buf ? (JSON.parse(buf.toString('utf8')) as ScheduleStatus) : undefined;
    }

    async start(): Promise<void> {
        const now = this.clock.now();
        const status = this.monitored ? await this.readStatus() : undefined;
        if (this.fn.trigger.runOnStartup === true) {
            await this.fire(false, status);
        } else if (status && new Date(status.Next).getTime() < now.getTime()) {
            await this.fire(true, status);
        } else if (this.monitored && !status) {
            await this.writeStatus({
                Last: new Date(0).toISOString(),
                Next: this.schedule.next(now).toISOString(),
                LastUpdated: now.toISOString(),
            });
        }
        this.arm();
        this.log.host(
            `Timer '${this.fn.id}' (${this.schedule.text}) next run ${this.schedule.next(this.clock.now()).toISOString()}`,
        );
    }

    async stop(): Promise<void> {
        this.#stopped = true;
        if (this.#timeout) clearTimeout(this.#timeout);
        await this.#firing;
    }

    private arm(): void {
        if (this.#stopped) return;
        const now = this.clock.now();
        const next = this.schedule.next(now);
        const delay = Math.min(MAX_TIMEOUT, next.getTime() - now.getTime());
        this.#timeout = setTimeout(() => {
            if (this.clock.now().getTime() + 5 < next.getTime()) return this.arm();
            this.#firing = this.readAndFire().finally(() => this.arm());
        }, delay);
    }

    private async readAndFire(): Promise<void> {
        await this.fire(false, this.monitored ? await this.readStatus() : undefined);
    }

    private async fire(isPastDue: boolean, previous: ScheduleStatus | undefined): Promise<void> {
        const now = this.clock.now();
        const status: ScheduleStatus = {
            Last: previous?.Last ?? new Date(0).toISOString(),
            Next: this.schedule.next(now).toISOString(),
            LastUpdated: previous?.LastUpdated ?? now.toISOString(),
        };
        const payload = { Schedule: { AdjustForDST: true }, ScheduleStatus: status, IsPastDue: isPastDue };
        try {
            await invokeWithRetry(this.invoker, this.fn, {
                inputData: [{ name: this.fn.triggerName, data: { json: JSON.stringify(payload) } }],
                reason: `Timer fired at ${now.toISOString()}${isPastDue ? ' (past due)' : ''}`,
            });
        } catch {
            // already logged by the invoker; the schedule goes on
        }
        if (this.monitored)
            await this.writeStatus({
                Last: now.toISOString(),
                Next: status.Next,
                LastUpdated: this.clock.now().toISOString(),
            });
    }

    private async writeStatus(status: ScheduleStatus): Promise<void> {
        const text = JSON.stringify(status);
        await this.hosts.getBlockBlobClient(this.statusBlob).upload(text, Buffer.byteLength(text), {
            blobHTTPHeaders: { blobContentType: 'application/json' },
        });
    }

    /** Manual run (POST /admin/functions/{name}). */
    async runNow(): Promise<void> {
        await this.fire(false, this.monitored ? await this.readStatus() : undefined);
    }
}
