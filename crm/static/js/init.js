// Load as the first element in <body> with a plain <script src>. External
// equivalent of GOV.UK Frontend's inline snippet (the CSP forbids inline scripts).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
