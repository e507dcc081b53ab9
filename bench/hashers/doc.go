// Package hashers compares authx's password check (PasswordHashers.Check, what
// authx.CheckPassword and a login run) with the same check written directly on the
// primitive: golang.org/x/crypto's argon2, bcrypt and scrypt, the standard library's
// crypto/pbkdf2 and crypto/md5, parsing the same Django-format encoded value and comparing
// in constant time.
//
// Both sides hash at Django's default costs (argon2id t=2 m=100 MiB p=8, PBKDF2 1,500,000
// iterations, bcrypt cost 12, scrypt N=2^14 r=8 p=5), which is what a login costs; the
// difference is what authx adds: bounds checks on the stored parameters, the hashing
// slot that caps concurrent hashes, and the rehash decision. A check takes a quarter of a
// second, so run this package with a short -benchtime: one iteration is a measurement.
package hashers
