// The session register, enhanced. Load with <script type="module"> on the register page only.
// Everything here also works without it: the enhancements save page loads. Typed searches are
// POSTed (with the page's CSRF token), never put in a URL.
import { Button, isSupported } from './govuk-frontend.min.js'

const register = document.getElementById('register')
const results = document.getElementById('walk-in-results')
const search = document.querySelector('[data-register-search]')

function announce (id, text) {
  const region = document.getElementById(id)
  if (!region) return
  region.textContent = ''
  window.setTimeout(() => { region.textContent = text }, 50)
}

// "Mark everyone registered as attended" without a page load: the link becomes a button. Only
// people who registered and are not yet marked; invited people may not have replied.
const markAll = document.querySelector('[data-register-mark-all]')
if (register && markAll) {
  const button = document.createElement('button')
  button.type = 'button'
  button.className = markAll.className
  button.textContent = markAll.textContent
  markAll.replaceWith(button)
  button.addEventListener('click', () => {
    let marked = 0
    for (const row of register.querySelectorAll('[data-register-registered]')) {
      if (row.querySelector('input[type="radio"]:checked')) continue
      const attended = row.querySelector('input[type="radio"][value="attended"]')
      if (attended) {
        attended.checked = true
        marked += 1
      }
    }
    announce('register-announcement', marked
      ? `${marked} marked as attended. Change anyone who did not come, then save the register.`
      : 'Everyone registered is already marked.')
  })
}

// Walk-in search as you type: POST the text to the results-only endpoint and swap in its results.
let pending
async function showResults (q, { wantNew = false, focusSelector = null } = {}) {
  if (!register || !results || !search) return
  pending?.abort()
  pending = new AbortController()
  const body = new FormData()
  body.append('csrf_token', register.elements.csrf_token.value)
  body.append('q', q)
  if (wantNew) body.append('new', '1')
  let html
  try {
    const response = await fetch(search.dataset.resultsUrl, {
      method: 'POST',
      body,
      signal: pending.signal,
      credentials: 'same-origin'
    })
    if (!response.ok) return
    html = await response.text()
  } catch {
    return
  }
  const fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('walk-in-results')
  if (!fresh) return
  results.replaceChildren(...fresh.childNodes)
  if (isSupported()) {
    for (const element of results.querySelectorAll('[data-module="govuk-button"]')) new Button(element)
  }
  const heading = results.querySelector('h3')
  announce('walk-in-announcement', heading ? heading.textContent : '')
  if (focusSelector) results.querySelector(focusSelector)?.focus()
}

if (register && search && results) {
  const input = search.querySelector('input[name="q"]')
  let timer
  const searchNow = () => {
    window.clearTimeout(timer)
    showResults(input.value.trim())
  }
  input.addEventListener('input', () => {
    window.clearTimeout(timer)
    if (input.value.trim().length === 1) return
    timer = window.setTimeout(searchNow, 250)
  })
  // The search button and Enter show the results in place; the marks stay on the page.
  search.querySelector('[data-register-search-button]')?.addEventListener('click', (event) => {
    event.preventDefault()
    searchNow()
  })
  register.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing || !(event.target instanceof HTMLInputElement)) return
    if (event.target === input) {
      event.preventDefault()
      searchNow()
      return
    }
    // Enter in the new person's details adds them, as their own button does.
    const newPerson = event.target.closest('[data-register-new-person]')
    if (newPerson) {
      event.preventDefault()
      newPerson.querySelector('[data-register-new-person-submit]')?.click()
    }
  })
  results.addEventListener('click', (event) => {
    const button = event.target.closest('[data-register-new]')
    if (!button) return
    event.preventDefault()
    showResults(input.value.trim(), { wantNew: true, focusSelector: 'input[name="first_name"]' })
  })
}
