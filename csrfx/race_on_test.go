//go:build race

package csrfx

// raceEnabled: the race detector changes allocation counts, so budgets are not asserted.
const raceEnabled = true
