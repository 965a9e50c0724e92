// Loaded into `karafka server` by the memory benchmark (node --import): samples the V8 heap in
// use every 50 ms and, when the process exits, writes the largest sample (bytes) to the file
// HEAP_SAMPLES_FILE names.
import { writeFileSync } from 'node:fs'

let peak = 0
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().heapUsed)
}
setInterval(sample, 50).unref()
process.on('exit', () => {
  sample()
  writeFileSync(process.env.HEAP_SAMPLES_FILE, String(peak))
})
