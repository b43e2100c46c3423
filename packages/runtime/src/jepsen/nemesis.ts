/** Faults on real processes: SIGKILL and restart, SIGSTOP/SIGCONT, partitions through the link proxies. */

/** What the nemesis needs of a cluster of real processes (dslab's `LocalCluster`, a `NatsCluster`…). */
export interface FaultTarget {
  readonly members: readonly { readonly id: string }[];
  kill(id: string): void;
  restart(id: string): void;
  pause(id: string): void;
  resume(id: string): void;
  partition(groups: readonly (readonly string[])[]): void;
  heal(): void;
}

export type NemesisKind = 'kill' | 'pause' | 'partition';
export const nemesisKinds: readonly NemesisKind[] = ['kill', 'pause', 'partition'];

export interface FaultWindow {
  readonly kind: NemesisKind;
  readonly detail: string;
  readonly start: number;
  end: number;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Applies one random fault at a time, each for 1–3 s with 0.5–1.5 s of calm between them. */
export class Nemesis {
  readonly windows: FaultWindow[] = [];
  private running = true;
  private wake: (() => void) | undefined;

  constructor(
    private readonly cluster: FaultTarget,
    private readonly kinds: readonly NemesisKind[],
    private readonly now: () => number,
  ) {}

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async run(): Promise<void> {
    const ids = this.cluster.members.map((m) => m.id);
    while (this.running && this.kinds.length > 0) {
      await this.sleep(500 + Math.random() * 1_000);
      if (!this.running) break;
      const kind = this.kinds[Math.floor(Math.random() * this.kinds.length)] as NemesisKind;
      const victim = ids[Math.floor(Math.random() * ids.length)] as string;
      const duration = 1_000 + Math.random() * 2_000;
      let detail: string;
      if (kind === 'kill') {
        this.cluster.kill(victim);
        detail = `kill -9 ${victim}`;
      } else if (kind === 'pause') {
        this.cluster.pause(victim);
        detail = `SIGSTOP ${victim}`;
      } else {
        const shuffled = shuffle([...ids]);
        const cut = 1 + Math.floor(Math.random() * (ids.length - 1));
        const groups = [shuffled.slice(0, cut), shuffled.slice(cut)];
        this.cluster.partition(groups);
        detail = `partition ${groups.map((g) => g.join(',')).join(' | ')}`;
      }
      const window: FaultWindow = { kind, detail, start: this.now(), end: Infinity };
      this.windows.push(window);
      await this.sleep(duration);
      if (kind === 'kill') this.cluster.restart(victim);
      else if (kind === 'pause') this.cluster.resume(victim);
      else this.cluster.heal();
      window.end = this.now();
    }
  }

  /** Stops after the current fault is undone; heals everything. */
  stop(): void {
    this.running = false;
    this.wake?.();
  }

  healAll(): void {
    this.cluster.heal();
    for (const m of this.cluster.members) this.cluster.restart(m.id);
    for (const w of this.windows) if (!Number.isFinite(w.end)) w.end = this.now();
  }
}
