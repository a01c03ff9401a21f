/**
 * Entry point of a benchmark whose variants each run in a fresh child process: with
 * `--variant <name>` it runs that one variant and exits (the dev host's library and Azurite
 * handles would otherwise keep the child alive); without, it runs `main`, which spawns them.
 */
export function runVariantsEntry<V extends string>(
    main: () => Promise<void>,
    runVariant: (variant: V) => Promise<void>,
): void {
    const [flag, variant] = process.argv.slice(2);
    const run = flag === '--variant' ? runVariant(variant as V) : main();
    run.then(
        () => {
            if (flag === '--variant') process.exit(0);
        },
        (err: unknown) => {
            console.error(err);
            process.exit(1);
        },
    );
}
