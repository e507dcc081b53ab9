//go:build race

package authx

// raceEnabled: the race detector allocates on its own, so allocation budgets do not hold.
const raceEnabled = true
