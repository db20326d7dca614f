import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, preloadPage } from './app.js';
import { initialTheme, setTheme } from './lib/theme.js';
import './styles.css';

setTheme(initialTheme());
preloadPage(location.pathname);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
