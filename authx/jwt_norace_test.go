//go:build !race

package authx

// jwtRaceEnabled reports a -race build (see jwt_race_test.go).
const jwtRaceEnabled = false
