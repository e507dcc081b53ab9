//go:build !race

package authx

const raceEnabled = false
