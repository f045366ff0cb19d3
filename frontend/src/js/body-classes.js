// Replaces the inline script of govuk-frontend-jinja's template.html (blocked
// by the Content-Security-Policy: script-src 'self'). Loaded as a classic,
// blocking script right after <body> opens, before any content is painted.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
