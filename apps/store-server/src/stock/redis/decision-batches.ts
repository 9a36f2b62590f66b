import type { RunHoldBatch, ScriptReply } from './scripts';

interface Waiting {
  keys: readonly string[];
  args: Array<string | number>;
  answers: Array<{ resolve: (reply: ScriptReply) => void; reject: (error: unknown) => void }>;
}

/** hold_set's arguments per decision (see hold_set_many.lua). */
const ARGS_PER_DECISION = 9;

/**
 * Hold decisions on one bucket asked for in the same turn of the event loop (a busy SKU's
 * requests read from the network together) go to Redis together: one hold_set_many call
 * decides them one after the other, each atomically and exactly as hold_set would, in the
 * order they were asked. It saves Redis a script call per hold and this server a command per
 * hold. They are sent once the turn's requests are read (setImmediate), the batches of all
 * buckets together, or at once when `maxBatch` are waiting on one bucket.
 */
export class DecisionBatches {
  private waiting = new Map<string, Waiting>();
  private scheduled = false;
  private readonly sendWaiting = () => this.flush();

  constructor(
    private readonly run: RunHoldBatch,
    private readonly maxBatch = 64,
  ) {}

  /** One hold_set decision on the bucket of `keys`, with hold_set's nine arguments. */
  decide(keys: readonly string[], args: Array<string | number>): Promise<ScriptReply> {
    if (args.length !== ARGS_PER_DECISION) throw new Error(`hold_set takes ${ARGS_PER_DECISION} arguments`);
    const bucket = keys[0] as string;
    let batch = this.waiting.get(bucket);
    if (!batch) {
      batch = { keys, args: [], answers: [] };
      this.waiting.set(bucket, batch);
    }
    const answer = new Promise<ScriptReply>((resolve, reject) => {
      (batch as Waiting).answers.push({ resolve, reject });
    });
    for (const a of args) batch.args.push(a);
    if (batch.answers.length >= this.maxBatch) {
      this.waiting.delete(bucket);
      this.send([batch]);
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.sendWaiting);
    }
    return answer;
  }

  private flush(): void {
    this.scheduled = false;
    const waiting = [...this.waiting.values()];
    this.waiting = new Map();
    if (waiting.length > 0) this.send(waiting);
  }

  private send(batches: Waiting[]): void {
    const calls = this.run(batches);
    batches.forEach((batch, b) => {
      const call = calls[b] ?? Promise.reject(new Error('hold_set_many was not sent'));
      call.then(
        (replies) => {
          batch.answers.forEach((answer, i) => {
            const reply = replies[i];
            if (reply) answer.resolve(reply);
            else
              answer.reject(new Error(`hold_set_many answered ${replies.length} of ${batch.answers.length} decisions`));
          });
        },
        (error: unknown) => {
          for (const answer of batch.answers) answer.reject(error);
        },
      );
    });
  }
}
