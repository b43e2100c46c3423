import { systems } from '@dslab/systems';
import { systemLink, DEFAULT_SEED } from '../route';

export function HomePage() {
  return (
    <section>
      <h1>Systems</h1>
      <p className="lead">
        Every system here is a working implementation running in a deterministic simulator in your browser.
        Each scenario is an experiment that tests a claim engineers are taught, and prints what it measured.
      </p>
      <ul className="cards" data-testid="systems">
        {systems.map((system) => (
          <li key={system.id} className="card">
            <a href={systemLink(system.id, DEFAULT_SEED)} data-testid={`system-${system.id}`}>
              <span className="rows">{system.rows.join(' ')}</span>
              <h2>{system.title}</h2>
            </a>
            <p>{system.summary}</p>
            <p className="muted">
              {system.scenarios.length} scenarios
              {system.fuzz ? ` · fuzzed with ${system.fuzz.mutants.length} mutants` : ''}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
