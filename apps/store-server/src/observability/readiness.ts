/**
 * What `/readyz` asks. Each part of the server that must be working before it serves
 * (database and migrations, later the stock authority's rebuild) registers a check.
 */
export type ReadinessCheck = () => Promise<{ ok: true } | { ok: false; reason: string }>;

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new Error(`readiness check "${name}" is registered twice`);
    this.checks.set(name, check);
  }

  async report(
    timeoutMs = 2_000,
  ): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; reason?: string }> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<{ ok: false; reason: string }>((resolve) => {
          timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
        });
        try {
          return [name, await Promise.race([check(), timeout])] as const;
        } catch (error) {
          return [name, { ok: false, reason: (error as Error).message }] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    return { ready: entries.every(([, r]) => r.ok), checks };
  }
}
