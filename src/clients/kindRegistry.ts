import { z } from 'zod';

/** One kind of a config object (`{ "kind": ..., ... }`): its schema, and what builds its value. */
export interface KindProvider<Spec extends { kind: string }, Context, Value> {
    readonly kind: string;
    /** Validates the config object (`kind` included); its issues are reported as config errors. */
    readonly schema: z.ZodType<Spec>;
    create(spec: Spec, context: Context): Value;
}

/** A validated config object: `kind` plus what that kind's provider declared. */
export type KindConfig = { kind: string } & Record<string, unknown>;

/**
 * Config objects chosen by `kind`, with one built-in kind the product ships and other kinds
 * registered by whoever runs the app before it starts (the offline stack registers the studio
 * emulator's kinds, so they never ship). Used by ARM credentials (`update.credential`) and an
 * Azure ML target's live metrics (`update.liveMetrics`).
 */
export class KindRegistry<Context, Value> {
    readonly #providers = new Map<string, KindProvider<KindConfig, Context, Value>>();

    /**
     * @param what names the config object in messages (`credential`, `live-metrics`).
     * @param builtIn the product's own kind, which registering cannot replace.
     */
    constructor(
        private readonly what: string,
        private readonly builtIn: KindProvider<{ kind: string }, Context, Value>,
    ) {
        this.#providers.set(builtIn.kind, builtIn);
    }

    /**
     * Adds a kind. Registering a kind again replaces it (a host that restarts the app in one
     * process registers twice); the built-in kind cannot be replaced.
     * @throws TypeError when `provider.kind` is the built-in kind.
     */
    register<Spec extends { kind: string }>(provider: KindProvider<Spec, Context, Value>): void {
        if (provider.kind === this.builtIn.kind)
            throw new TypeError(`the '${this.builtIn.kind}' ${this.what} kind cannot be replaced`);
        this.#providers.set(provider.kind, provider);
    }

    /** The kinds known now, the built-in one first. */
    kinds(): string[] {
        return [...this.#providers.keys()];
    }

    /**
     * The config schema: an object whose `kind` names a registered provider, checked by that
     * provider's schema at parse time (so kinds registered after the schema was made count).
     */
    schema(): z.ZodType<KindConfig> {
        return z.looseObject({ kind: z.string().min(1) }).superRefine((value, ctx) => {
            const provider = this.#providers.get(value.kind);
            if (!provider) {
                ctx.addIssue({
                    code: 'custom',
                    path: ['kind'],
                    message: `unknown ${this.what} kind '${value.kind}' (known: ${this.kinds().join(', ')})`,
                });
                return;
            }
            const checked = provider.schema.safeParse(value);
            if (checked.success) return;
            for (const issue of checked.error.issues) {
                if (issue.code === 'unrecognized_keys') {
                    for (const key of issue.keys)
                        ctx.addIssue({ code: 'custom', path: [...issue.path, key], message: 'unknown key' });
                } else ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
            }
        });
    }

    /**
     * Builds the value a validated config object names.
     * @throws RangeError when no provider is registered for `spec.kind` (the config would not have validated).
     */
    create(spec: KindConfig, context: Context): Value {
        const provider = this.#providers.get(spec.kind);
        if (!provider) throw new RangeError(`no ${this.what} provider is registered for kind '${spec.kind}'`);
        return provider.create(provider.schema.parse(spec), context);
    }
}
