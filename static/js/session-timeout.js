// Staff pages only: warn two minutes before an idle session ends (the server ends it after
// data-idle-seconds without a request). Without JavaScript the page states the end time.
const notice = document.querySelector('[data-module="app-session-timeout"]')
if (notice) {
  const idleSeconds = Number(notice.dataset.idleSeconds) || 1800
  window.setTimeout(() => {
    notice.hidden = false
    notice.focus()
  }, Math.max(0, idleSeconds - 120) * 1000)
}
