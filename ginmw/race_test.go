//go:build race

package ginmw

// raceEnabled: the race detector makes sync.Pool drop items at random, so allocation
// budgets are measured only without it.
const raceEnabled = true
