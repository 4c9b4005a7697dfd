export interface EventQueueOptions<T> {
  /** Iteration ends (without error) when this aborts, e.g. on client disconnect, unless end() was called. */
  readonly signal?: AbortSignal | undefined;
  /** Push `keepalive()` after this many ms without any other push. */
  readonly keepaliveMs?: number | undefined;
  readonly keepalive?: (() => T) | undefined;
  /** Bytes an item holds, for flow control. @default () => 0 */
  readonly sizeOf?: ((item: T) => number) | undefined;
  /**
   * Above this many buffered bytes the queue reports itself congested.
   * @default 1048576
   */
  readonly highWaterBytes?: number | undefined;
  /** Called once the buffer falls back under half the high-water mark after congestion. */
  readonly onDrain?: (() => void) | undefined;
}

/**
 * A push-based async iterable between an event source (a process, a watcher) and one
 * streaming response. It buffers while the consumer is slow, reports congestion so the
 * source can pause, sends keepalives while idle, and stops on abort.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #sizeOf: (item: T) => number;
  readonly #highWaterBytes: number;
  readonly #options: EventQueueOptions<T>;
  #bytes = 0;
  #wasCongested = false;
  #ended = false;
  #closed = false;
  #wake: (() => void) | undefined;
  #keepaliveTimer: NodeJS.Timeout | undefined;
  // An abort cuts a live stream short, but a finished one (end already queued) still drains:
  // on shutdown, clients must get the end events of the processes envd just stopped.
  readonly #onAbort = (): void => {
    if (!this.#ended) this.close();
  };

  constructor(options: EventQueueOptions<T> = {}) {
    this.#options = options;
    this.#sizeOf = options.sizeOf ?? (() => 0);
    this.#highWaterBytes = options.highWaterBytes ?? 1024 * 1024;
    if (options.signal?.aborted) {
      this.#closed = true;
      return;
    }
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#armKeepalive();
  }

  /** Bytes buffered and not yet taken by the consumer. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  get congested(): boolean {
    return this.#bytes > this.#highWaterBytes;
  }

  get closed(): boolean {
    return this.#closed;
  }

  push(item: T): void {
    if (this.#ended || this.#closed) return;
    this.#items.push(item);
    this.#bytes += this.#sizeOf(item);
    if (this.congested) this.#wasCongested = true;
    this.#armKeepalive();
    this.#signal();
  }

  /** No more items: iteration finishes once the buffer is drained. */
  end(): void {
    this.#ended = true;
    this.#clearKeepalive();
    this.#signal();
  }

  /** Stops now, dropping anything buffered, and releases timers and listeners. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#items.length = 0;
    this.#bytes = 0;
    this.#clearKeepalive();
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#signal();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.#closed) return;
        const item = this.#take();
        if (item.has) {
          yield item.value;
          continue;
        }
        if (this.#ended) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      this.close();
    }
  }

  #take(): { has: true; value: T } | { has: false } {
    if (this.#items.length === 0) return { has: false };
    const value = this.#items.shift() as T;
    this.#bytes -= this.#sizeOf(value);
    if (this.#wasCongested && this.#bytes <= this.#highWaterBytes / 2) {
      this.#wasCongested = false;
      this.#options.onDrain?.();
    }
    return { has: true, value };
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #armKeepalive(): void {
    const { keepaliveMs, keepalive } = this.#options;
    if (!keepaliveMs || !keepalive || this.#ended || this.#closed) return;
    if (this.#keepaliveTimer) {
      this.#keepaliveTimer.refresh();
      return;
    }
    this.#keepaliveTimer = setTimeout(() => {
      this.#keepaliveTimer = undefined;
      this.push(keepalive());
    }, keepaliveMs);
  }

  #clearKeepalive(): void {
    if (this.#keepaliveTimer) clearTimeout(this.#keepaliveTimer);
    this.#keepaliveTimer = undefined;
  }
}
