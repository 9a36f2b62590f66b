import type { FastifyBaseLogger } from 'fastify';

export interface RepeatingJob {
  /** Runs the job now (and resolves when that run is done), instead of waiting for its next turn. */
  runNow(): Promise<void>;
  /** Stops scheduling and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `work` every `everyMs`: a run starts `everyMs` after the previous one ended, so runs never
 * overlap. A failing run is logged and the next one still comes.
 */
export function repeat(
  name: string,
  everyMs: number,
  work: () => Promise<unknown>,
  logger: FastifyBaseLogger,
): RepeatingJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastError: string | undefined;

  const run = (): Promise<void> => {
    if (running) return running;
    clearTimeout(timer);
    running = work()
      .then(() => {
        if (lastError) logger.info({ job: name }, 'job recovered');
        lastError = undefined;
      })
      .catch((error: Error) => {
        // One line per distinct failure, not one per second while a service is down.
        if (error.message !== lastError) logger.warn({ job: name, err: error }, 'job failed; retrying');
        lastError = error.message;
      })
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, everyMs);
      });
    return running;
  };
  timer = setTimeout(run, everyMs);

  return {
    runNow: run,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
