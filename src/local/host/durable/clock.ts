/** Injected time source: tests may pass a fake one; the engine never calls Date directly. */
export interface Clock {
    now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
