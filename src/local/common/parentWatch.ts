/**
 * Preloaded (`node --require`) into a child that runs in its own process group: a Ctrl-C no longer
 * reaches it, so it must notice by itself when the process that started it dies, however it dies
 * (a SIGKILL runs no exit handler). The parent's pid changes when the child is re-parented.
 */
const parent = process.ppid;
const CHECK_INTERVAL_IN_MS = 1000;
setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
}, CHECK_INTERVAL_IN_MS).unref();
