// The HTML of an overlay page: a transparent page whose script (web/overlay.js) connects to the event
// stream named in `data-events` and draws what arrives. The streamer's custom.css comes last and wins.
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function overlayPage(title: string, name: string, layout: string, events: string, isPublic = false): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)} · BakeBot</title>
<link rel="stylesheet" href="/assets/overlay.css">
<link rel="stylesheet" href="/assets/custom.css">
<script src="/assets/overlay.js" defer></script>
</head>
<body class="bb-overlay-page${isPublic ? ' bb-public' : ''}" data-overlay="${escapeHtml(name)}" data-layout="${escapeHtml(layout)}" data-events="${escapeHtml(events)}">
<div id="bb-overlay" class="bb-overlay bb-layout-${escapeHtml(layout)}" aria-live="polite"></div>
</body>
</html>
`;
}
