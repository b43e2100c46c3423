import { systemLink, DEFAULT_SEED } from '../route';

export function ErrorPage({ message, system }: { message: string; system?: string | undefined }) {
  return (
    <section className="error-state" role="alert" data-testid="error-state">
      <h1>This link does not describe a run</h1>
      <p>{message}</p>
      <p>
        {system ? <a href={systemLink(system, DEFAULT_SEED)}>Open the default run of {system}</a> : null}
        {system ? ' · ' : null}
        <a href="#/">Back to all systems</a>
      </p>
    </section>
  );
}
