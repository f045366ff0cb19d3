// Unsent answers are deleted, and a receipt session ends, after a while without activity. A
// few minutes before, warn and offer to stay (WCAG 2.2.1 Timing Adjustable), as GOV.UK
// services' timeout warnings do. The dialog says when (data-seconds-left, data-idle-seconds,
// data-warn-seconds); its keep-alive form (the one marked data-timeout-keep-alive, else its
// first) posts to an endpoint that answers 204 No Content: the browser stays on this page, with
// whatever was typed, and the server moves the deadline back. If the answers or the session
// have gone already, the answer to the post is the page that says so. Any other form in the
// dialog (such as "Sign out") is left to do what it does.
// Without JavaScript the dialog stays closed (journey/_timeout_warning.html,
// replies/_timeout_warning.html).
const dialog = document.querySelector('[data-module="app-timeout-warning"]')

if (dialog && typeof dialog.showModal === 'function') {
  const idleMs = Number(dialog.dataset.idleSeconds) * 1000
  const warnMs = Number(dialog.dataset.warnSeconds) * 1000
  const countdown = dialog.querySelector('[data-timeout-countdown]')
  const form = dialog.querySelector('form[data-timeout-keep-alive]') || dialog.querySelector('form')
  let deadline = Date.now() + Number(dialog.dataset.secondsLeft) * 1000
  let returnFocus = null
  let timer = 0
  // The server's end can fall a moment after ours (its seconds rounded, the time a keep-alive
  // took to arrive), and a page loaded before it would start the idle time again: reload a
  // little after the end, so that the page finds the answers or the session gone.
  const graceMs = 2000

  // Rounded down: never promise more time than is left.
  const timeLeft = (ms) => {
    const minutes = Math.floor(ms / 60000)
    if (minutes < 1) return 'less than a minute'
    return minutes === 1 ? '1 minute' : `${minutes} minutes`
  }

  const tick = () => {
    const left = deadline - Date.now()
    if (left <= -graceMs) {
      // Gone: load the page again (a GET, never a repost) so the server says what happened.
      window.location.assign(window.location.href)
      return
    }
    if (left <= warnMs) {
      countdown.textContent = timeLeft(Math.max(0, left))
      if (!dialog.open) {
        returnFocus = document.activeElement
        dialog.showModal() // moves focus into the dialog, to its button
      }
    }
    // Timers are slowed in background tabs: check the clock again rather than count on them.
    const wait = left > warnMs ? left - warnMs : left > 0 ? left % 60000 || 60000 : left + graceMs
    timer = window.setTimeout(tick, Math.max(250, Math.min(wait, 15000)))
  }

  form.addEventListener('submit', () => {
    // The post goes ahead; close once it has been sent, and put the focus back.
    deadline = Date.now() + idleMs
    window.setTimeout(() => {
      dialog.close()
      if (returnFocus && returnFocus.isConnected && typeof returnFocus.focus === 'function') {
        returnFocus.focus()
      }
      window.clearTimeout(timer)
      tick()
    }, 0)
  })

  // Escape means "not now", which is the same as staying: keep the answers.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault()
    form.requestSubmit()
  })

  tick()
}
