import { useEffect, useState } from 'react';
import { parseRoute, type Route } from './route';
import { HomePage } from './pages/HomePage';
import { SystemPage } from './pages/SystemPage';
import { ErrorPage } from './pages/ErrorPage';
import { CheckPage } from './pages/CheckPage';
import { WorkbenchPage } from './pages/WorkbenchPage';

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
        {route.page === 'check' && <CheckPage />}
        {route.page === 'workbench' && <WorkbenchPage />}
        {route.page === 'system' && <SystemPage key={route.system} route={route} />}
        {route.page === 'error' && <ErrorPage message={route.message} system={route.system} />}
      </main>
    </div>
  );
}
