/**
 * What every local cluster of real server processes shares (dslab's own nodes, NATS servers): the
 * running children by member, SIGKILL / SIGSTOP / SIGCONT, restart over the member's data, partitions
 * through one `LinkProxy` per directed peer link, and a stop that ends every process and proxy. A
 * subclass says how a member is started (`spawn`) and adds the members and links.
 */
import type { ChildProcess } from 'node:child_process';
import type { LinkProxy } from './proxy';

export abstract class ProcessGroup<M extends { readonly id: string }> {
  readonly members: M[] = [];
  /** `from→to` → the proxy on that directed link (what `from` dials towards `to`). */
  readonly links = new Map<string, LinkProxy>();
  protected readonly processes = new Map<string, ChildProcess>();
  private readonly paused = new Set<string>();
  protected stopping = false;

  /** Starts the member's process and registers it with `track`. */
  protected abstract spawn(member: M): void;

  /** Records a started child; forgets it when it exits, and reports an exit nobody asked for. */
  protected track(member: M, child: ChildProcess, log: ((line: string) => void) | undefined): void {
    this.processes.set(member.id, child);
    child.once('exit', (code, signal) => {
      if (this.processes.get(member.id) === child) this.processes.delete(member.id);
      if (!this.stopping) log?.(`${member.id} exited (${signal ?? code})`);
    });
  }

  /** Process ids of the running members (for memory measurements). */
  pids(): number[] {
    return [...this.processes.values()].flatMap((child) => (child.pid !== undefined ? [child.pid] : []));
  }

  isUp(id: string): boolean {
    return this.processes.has(id);
  }

  /** kill -9: no chance to flush anything; what reached the files is what survives. */
  kill(id: string): void {
    const child = this.processes.get(id);
    if (!child) return;
    this.paused.delete(id);
    child.kill('SIGKILL');
    this.processes.delete(id);
  }

  /** Starts a killed member again over its own data. */
  restart(id: string): void {
    if (this.processes.has(id)) return;
    const member = this.members.find((m) => m.id === id);
    if (!member) throw new Error(`no member ${id}`);
    this.spawn(member);
  }

  pause(id: string): void {
    const child = this.processes.get(id);
    if (!child || this.paused.has(id)) return;
    child.kill('SIGSTOP');
    this.paused.add(id);
  }

  resume(id: string): void {
    const child = this.processes.get(id);
    if (!child || !this.paused.has(id)) return;
    child.kill('SIGCONT');
    this.paused.delete(id);
  }

  /** Cuts every link between the groups (both directions). Needs the links to be proxied. */
  partition(groups: readonly (readonly string[])[]): void {
    const groupOf = new Map<string, number>();
    groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
    for (const proxy of this.links.values()) {
      proxy.set({ blocked: groupOf.get(proxy.from) !== groupOf.get(proxy.to) });
    }
  }

  heal(): void {
    for (const proxy of this.links.values()) proxy.heal();
    for (const id of [...this.paused]) this.resume(id);
  }

  /** SIGTERM to every member (SIGKILL after 3 s), then the proxies. */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.processes.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGCONT');
          child.kill('SIGTERM');
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 3_000).unref();
        }),
    );
    await Promise.all(exits);
    this.processes.clear();
    for (const proxy of this.links.values()) await proxy.close();
  }
}
