package authx_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/djin-go/djin/authx"
)

// Hash a new password with the default hashers (argon2id at Django's cost)
// and check it, as Django's make_password and check_password do.
func ExampleMakePassword() {
	encoded, err := authx.MakePassword("correct horse battery staple")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(encoded, "argon2$argon2id$v=19$m=102400,t=2,p=8$"))

	ok, err := authx.CheckPassword("correct horse battery staple", encoded)
	fmt.Println(ok, err)
	ok, err = authx.CheckPassword("Tr0ub4dor&3", encoded)
	fmt.Println(ok, err)
	// Output:
	// true
	// true <nil>
	// false <nil>
}

// A hash written by Django verifies unchanged: a Django project's auth_user
// table can move to Go without password resets.
func ExampleCheckPassword() {
	// make_password("lètmein", "seasalt") in Django 1.10.
	const fromDjango = "pbkdf2_sha256$30000$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY="
	ok, err := authx.CheckPassword("lètmein", fromDjango)
	fmt.Println(ok, err)

	// A value that cannot be checked is never a match, and says why.
	ok, err = authx.CheckPassword("lètmein", "sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8")
	fmt.Println(ok, errors.Is(err, authx.ErrUnknownHasher))
	// Output:
	// true <nil>
	// false true
}

// Configure the hasher list like Django's PASSWORD_HASHERS: the first hashes
// new passwords (here PBKDF2, for a FIPS 140 deployment), every one verifies,
// including md5 from an old project's fixtures.
func ExampleNewPasswordHashers() {
	hashers, err := authx.NewPasswordHashers(authx.HashersConfig{
		Algorithms: []string{
			authx.AlgorithmPBKDF2SHA256,
			authx.AlgorithmArgon2,
			authx.AlgorithmMD5,
		},
		PBKDF2:        authx.PBKDF2Config{Iterations: 1_500_000},
		MaxConcurrent: 4, // at most four hashes at once, whatever the login rate
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(hashers.Preferred().Algorithm())

	_, err = authx.NewPasswordHashers(authx.HashersConfig{Argon2: authx.Argon2Config{MemoryKiB: 4}})
	fmt.Println(err)
	// Output:
	// pbkdf2_sha256
	// authx: HashersConfig.Argon2.MemoryKiB: must be between 64 and 1048576 (got 4)
}

// At login, re-hash a password whose stored hash is outdated (another
// algorithm, other parameters or a weak salt) and save it: Django's setter.
func ExamplePasswordHashers_Check() {
	hashers, err := authx.NewPasswordHashers(authx.HashersConfig{
		Algorithms: []string{authx.AlgorithmArgon2, authx.AlgorithmMD5},
		Argon2:     authx.Argon2Config{Time: 1, MemoryKiB: 8 * 1024, Parallelism: 1},
	})
	if err != nil {
		panic(err)
	}
	stored := "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3" // from an old Django project

	ok, mustUpdate, err := hashers.Check("lètmein", stored)
	fmt.Println(ok, mustUpdate, err)
	if ok && mustUpdate {
		if stored, err = hashers.Make("lètmein"); err != nil {
			panic(err)
		}
		// Save stored on the user; this is not a password change.
	}
	fmt.Println(strings.SplitN(stored, "$", 2)[0])
	fmt.Println(hashers.Check("lètmein", stored))
	// Output:
	// true true <nil>
	// argon2
	// true false <nil>
}

// A user created without a password gets an unusable one, which never
// verifies.
func ExampleUnusablePassword() {
	encoded := authx.UnusablePassword()
	fmt.Println(len(encoded), authx.IsPasswordUsable(encoded))
	ok, err := authx.CheckPassword("", encoded)
	fmt.Println(ok, err)
	// Output:
	// 41 false
	// false <nil>
}

// Django's session-auth hash: an HMAC of the stored password hash, so that
// changing the password ends the user's other sessions.
func ExampleSaltedHMAC() {
	mac, err := authx.SaltedHMAC(
		"django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
		"pbkdf2_sha256$30000$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY=",
		"django_tests_secret_key",
		"sha256",
	)
	if err != nil {
		panic(err)
	}
	fmt.Println(hex.EncodeToString(mac))
	// Output: 91f569f4b9a6238937ec90d475ff1eda720715f55293ab3b986b2d9a63b9b253
}
