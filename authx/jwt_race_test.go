//go:build race

package authx

// jwtRaceEnabled reports a -race build: the race detector makes sync.Pool drop items at
// random, so allocation budgets do not hold there.
const jwtRaceEnabled = true
