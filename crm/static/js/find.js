// Find people, enhanced. Load with <script type="module"> on the find pages only; everything
// works without it. The live count asks /find/count with the filter form's parameters: the
// free text is never sent, only the key it is kept under (the form's hidden "search" field).
const form = document.querySelector('[data-find-filters]')
const heading = document.getElementById('find-count')

if (form && heading && window.fetch && window.URLSearchParams) {
  let pending = null
  let latest = 0

  const update = async () => {
    const request = ++latest
    const params = new URLSearchParams(new FormData(form))
    try {
      const response = await window.fetch(`${form.dataset.countUrl}?${params}`, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin'
      })
      if (request !== latest) return
      if (!response.ok) {
        heading.textContent = 'Check the filters'
        return
      }
      const { count, more } = await response.json()
      const people = more
        ? `More than ${count.toLocaleString('en-GB')} people`
        : `${count.toLocaleString('en-GB')} ${count === 1 ? 'person' : 'people'}`
      heading.textContent = `${people} (apply the filters to see them)`
    } catch {
      // Offline or signed out: the count stays as the page showed it.
    }
  }

  const schedule = () => {
    window.clearTimeout(pending)
    pending = window.setTimeout(update, 300)
  }
  form.addEventListener('change', schedule)
  form.addEventListener('input', schedule)
}

// "Select all N matching" and the single checkboxes exclude each other visually.
const allMatching = document.getElementById('all_matching')
if (allMatching) {
  const boxes = document.querySelectorAll('input[name="person_id"]')
  allMatching.addEventListener('change', () => {
    for (const box of boxes) box.checked = allMatching.checked
  })
}

// Deleting asks first.
for (const button of document.querySelectorAll('button[data-confirm]')) {
  button.addEventListener('click', (event) => {
    if (!window.confirm(button.dataset.confirm)) event.preventDefault()
  })
}
