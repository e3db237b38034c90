/**
 * Teardown steps of a benchmark run, run newest first, whether the run succeeded, failed or was
 * interrupted. Single-flight: a signal handler and main's `finally` may both ask; they share one
 * sequential pass, so a data directory is only removed after the server using it has exited.
 */
export function teardown() {
  const steps: Array<() => Promise<void> | void> = [];
  let running: Promise<void> | undefined;
  return {
    push(step: () => Promise<void> | void): void {
      steps.push(step);
    },
    run(): Promise<void> {
      running ??= (async () => {
        while (steps.length) {
          try {
            await steps.pop()!();
          } catch (err) {
            console.error('cleanup step failed:', err);
          }
        }
      })();
      return running;
    },
  };
}
