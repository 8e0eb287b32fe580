// Load with <script type="module" src="/static/js/app.js">.
// Both vendored files are self-contained ES modules (built by assets/build.sh):
// govuk-frontend.min.js and moj-frontend.min.js (MOJ Frontend 11's
// moj/moj-frontend.min.js) each export `initAll`.
import { initAll as initGovukFrontend } from './govuk-frontend.min.js'
import { initAll as initMojFrontend } from './moj-frontend.min.js'

if (document.body.classList.contains('govuk-frontend-supported')) {
  initGovukFrontend()
  initMojFrontend()
}
