import { lazy, Suspense, useEffect, useState } from 'react';
import { parseRoute, type Route } from './route';
import { HomePage } from './pages/HomePage';
import { SystemPage } from './pages/SystemPage';
import { ErrorPage } from './pages/ErrorPage';
import { LoadBoundary } from './components/LoadBoundary';

// The checker and the workbench pages bring the history parsers and checkers with them: chunks of their
// own, so that the home page and the system pages do not load them.
const CheckPage = lazy(() => import('./pages/CheckPage').then((m) => ({ default: m.CheckPage })));
const WorkbenchPage = lazy(() => import('./pages/WorkbenchPage').then((m) => ({ default: m.WorkbenchPage })));

function PageLoading() {
  return (
    <p className="muted" role="status" aria-busy="true" data-testid="page-loading">
      Loading…
    </p>
  );
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function App() {
  const route = useRoute();
  return (
    <div className="app">
      <header className="top">
        <a href="#/" className="brand">
          dslab
        </a>
        <span className="tagline">a laboratory for distributed systems</span>
      </header>
      <main>
        {route.page === 'home' && <HomePage />}
        {(route.page === 'check' || route.page === 'workbench') && (
          <LoadBoundary what={route.page === 'check' ? 'Linearizability checker' : 'Workbench run'}>
            <Suspense fallback={<PageLoading />}>
              {route.page === 'check' ? <CheckPage /> : <WorkbenchPage />}
            </Suspense>
          </LoadBoundary>
        )}
        {route.page === 'system' && <SystemPage key={route.system} route={route} />}
        {route.page === 'error' && <ErrorPage message={route.message} system={route.system} />}
      </main>
    </div>
  );
}
