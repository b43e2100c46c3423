import { Component, type ReactNode } from 'react';

interface Props {
  /** What is loading, in words: the message names it. */
  readonly what: string;
  readonly children: ReactNode;
}

/**
 * Catches a chunk that failed to load (a dropped connection, a deploy that replaced the files) and says
 * so in one sentence with a way to try again, instead of leaving a blank page.
 */
export class LoadBoundary extends Component<Props, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="error-state" role="alert" data-testid="load-error">
        <h1>{this.props.what}</h1>
        <p>
          This page could not be loaded: {error.message}.{' '}
          <button type="button" onClick={() => this.setState({ error: undefined })}>
            Try again
          </button>
        </p>
      </section>
    );
  }
}
