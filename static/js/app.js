// Loaded with <script type="module">: browsers too old for ES modules never
// run it and get the no-JavaScript version of every component.
import { initAll } from './govuk-frontend.min.js'

initAll()
