//go:build race

package sandbox

// raceEnabled is true in a test binary built with -race. ThreadSanitizer
// maps shadow memory as the heap grows, which a child under an
// address-space limit cannot do, so memory limit tests skip.
const raceEnabled = true
