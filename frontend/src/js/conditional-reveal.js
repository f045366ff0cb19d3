// A field revealed under one radio choice (data-module="app-reveal"): moved to just after that
// choice and shown only while it is selected. GOV.UK's own conditional reveal sets
// aria-expanded on the radio input, which ARIA does not allow there (axe-core refuses it), so
// this one sets no ARIA state: the field simply follows its choice in the page's order.
// Without JavaScript the field is always shown, after the choices.
for (const reveal of document.querySelectorAll('[data-module="app-reveal"]')) {
  const form = reveal.closest('form')
  const { revealName: name, revealValue: value } = reveal.dataset
  if (!form || !name || !value) continue
  const radios = Array.from(form.querySelectorAll('input[type="radio"]'))
    .filter((input) => input.name === name)
  const trigger = radios.find((input) => input.value === value)
  if (!trigger) continue
  const item = trigger.closest('.govuk-radios__item')
  if (item) item.after(reveal)
  const update = () => {
    reveal.classList.toggle('govuk-radios__conditional--hidden', !trigger.checked)
  }
  for (const radio of radios) radio.addEventListener('change', update)
  update()
}
