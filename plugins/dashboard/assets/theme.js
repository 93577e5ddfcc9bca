/* global document, window */
// Runs before the page paints (not deferred): the theme chosen with the toggle, else the system's.
'use strict';
try {
  const chosen = window.localStorage.getItem('bakebot-theme');
  if (chosen === 'dark' || chosen === 'light') document.documentElement.dataset.theme = chosen;
} catch {
  // storage blocked: follow the system
}
