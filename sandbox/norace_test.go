//go:build !race

package sandbox

// raceEnabled is true in a test binary built with -race.
const raceEnabled = false
