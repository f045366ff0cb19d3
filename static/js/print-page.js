// "Print or save this page" on the receipt page. Without JavaScript the link leads to how to
// print with the browser's own menu; with it, the link opens the print dialog.
const link = document.querySelector('[data-module="app-print-page"]')

if (link && typeof window.print === 'function') {
  link.addEventListener('click', (event) => {
    event.preventDefault()
    window.print()
  })
}
