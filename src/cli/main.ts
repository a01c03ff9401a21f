#!/usr/bin/env node
import { CliError, UsageError } from './connection';
import { data, dataUsage } from './commands/data';
import { cancel, cancelUsage } from './commands/cancel';
import { approveUsage, decideCommand } from './commands/decide';
import { doctor, doctorUsage } from './commands/doctor';
import { initTarget, initTargetUsage } from './commands/initTarget';
import { retrain, retrainUsage } from './commands/retrain';
import { runs, runsUsage } from './commands/runs';
import { sample, sampleUsage } from './commands/sample';
import { score, scoreUsage } from './commands/score';
import { status, statusUsage } from './commands/status';
import { upload, uploadUsage } from './commands/upload';
import { RetrainerApiError } from './retrainerClient';
import { WAIT_TIMEOUT_EXIT_CODE, WaitTimeoutError } from './wait';

const COMMANDS: Record<string, (argv: string[]) => Promise<number | void>> = {
    upload,
    retrain,
    cancel,
    status,
    runs,
    score,
    sample,
    'init-target': initTarget,
    doctor,
    data,
    approve: decideCommand('approve'),
    reject: decideCommand('reject'),
};

const HELP = `retrainer: everyday tasks against a Retrainer app (the local stack, or a deployed app).

${[uploadUsage, retrainUsage, cancelUsage, statusUsage, dataUsage, approveUsage, runsUsage, scoreUsage, sampleUsage, initTargetUsage, doctorUsage].join('\n\n')}

Which app: --url URL --key KEY (or RETRAINER_URL, RETRAINER_KEY); by default the stack that
\`npm start\` runs (it writes .retrainer/stack.json; --stack DIR picks another data folder).
Where uploads go: --storage "<connection string>" (or RETRAINER_STORAGE), or --account-url
https://<account>.blob.core.windows.net (Azure AD sign-in); by default the local stack's Azurite.`;

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    if (!command || command === 'help' || command === '--help' || command === '-h') {
        console.log(HELP);
        return command ? 0 : 2;
    }
    const run = COMMANDS[command];
    if (!run) {
        console.error(`Unknown command '${command}'.\n\n${HELP}`);
        return 2;
    }
    try {
        return (await run(rest)) ?? 0;
    } catch (err) {
        if (err instanceof WaitTimeoutError) {
            console.error(err.message);
            return WAIT_TIMEOUT_EXIT_CODE;
        }
        // A command used wrongly (its usage, an unknown option) exits 2, as the README says.
        if (err instanceof UsageError || (err instanceof CliError && err.message.startsWith('usage: '))) {
            console.error(err.message);
            return 2;
        }
        if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
            console.error(`${err.message}\n\n${HELP}`);
            return 2;
        }
        if (err instanceof CliError || err instanceof RetrainerApiError) console.error(err.message);
        else console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
        return 1;
    }
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
    },
);
