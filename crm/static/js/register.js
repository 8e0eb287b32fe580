// The session register, enhanced. Load with <script type="module"> on the register page only.
// Everything here also works without it: the enhancements save page loads and keep unsaved marks.
const register = document.getElementById('register')
const results = document.getElementById('walk-in-results')
const search = document.querySelector('[data-register-search]')

function announce (id, text) {
  const region = document.getElementById(id)
  if (!region) return
  region.textContent = ''
  window.setTimeout(() => { region.textContent = text }, 50)
}

// "Mark everyone not yet marked as attended" without a page load: the link becomes a button.
const markAll = document.querySelector('[data-register-mark-all]')
if (register && markAll) {
  const button = document.createElement('button')
  button.type = 'button'
  button.className = markAll.className
  button.textContent = markAll.textContent
  markAll.replaceWith(button)
  button.addEventListener('click', () => {
    let marked = 0
    for (const row of register.querySelectorAll('[data-register-awaiting]')) {
      if (row.querySelector('input[type="radio"]:checked')) continue
      const attended = row.querySelector('input[type="radio"][value="attended"]')
      if (attended) {
        attended.checked = true
        marked += 1
      }
    }
    announce('register-announcement', marked
      ? `${marked} marked as attended. Change anyone who did not come, then save the register.`
      : 'Everyone is already marked.')
  })
}

// Walk-in search as you type: fetch the same page with ?q= and swap in its results.
let pending
async function showResults (url, focusSelector) {
  pending?.abort()
  pending = new AbortController()
  let html
  try {
    const response = await fetch(url, { signal: pending.signal, credentials: 'same-origin' })
    if (!response.ok) return
    html = await response.text()
  } catch {
    return
  }
  const fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('walk-in-results')
  if (!fresh || !results) return
  results.replaceChildren(...fresh.childNodes)
  const heading = results.querySelector('h3')
  announce('walk-in-announcement', heading ? heading.textContent : '')
  if (focusSelector) results.querySelector(focusSelector)?.focus()
}

if (search && results) {
  const input = search.querySelector('input[name="q"]')
  const searchUrl = () => {
    const url = new URL(search.action)
    url.hash = ''
    url.search = new URLSearchParams({ q: input.value.trim() }).toString()
    return url
  }
  let timer
  input.addEventListener('input', () => {
    window.clearTimeout(timer)
    const text = input.value.trim()
    if (text.length === 1) return
    timer = window.setTimeout(() => showResults(searchUrl()), 250)
  })
  search.addEventListener('submit', (event) => {
    event.preventDefault()
    window.clearTimeout(timer)
    showResults(searchUrl())
  })
  results.addEventListener('click', (event) => {
    const link = event.target.closest('[data-register-new]')
    if (!link) return
    event.preventDefault()
    showResults(link.href, 'input[name="first_name"]')
  })
}

// The new-person form is a separate form: bring the register's unsaved marks along with it.
document.addEventListener('submit', (event) => {
  const form = event.target
  if (!register || !form.matches('[data-register-carry]')) return
  form.querySelectorAll('[data-register-carried]').forEach((copy) => copy.remove())
  for (const field of register.elements) {
    if (!field.name || !field.name.startsWith('rows-')) continue
    if (field.type === 'radio' && !field.checked) continue
    const copy = document.createElement('input')
    copy.type = 'hidden'
    copy.name = field.name
    copy.value = field.value
    copy.dataset.registerCarried = ''
    form.append(copy)
  }
})
