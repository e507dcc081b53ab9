// Package authx is django.contrib.auth for Gin: users in Django's auth_user table,
// Django's password hashers byte for byte, permissions and groups, and the current user of
// each request.
//
// # Users and stores
//
// User has AbstractUser's fields; ExtraField declares the application's own columns on
// auth_user (the tutorial's phone and avatar), as a custom user model does. A Store keeps
// users, groups and permissions: NewSQLStore on database/sql (SQLite through the pure-Go
// driver, or PostgreSQL through pgx) reads and writes an existing Django database as it
// is, and Migrate creates the same schema Django's migrations do; NewMemoryStore is for
// tests. UserManager holds Django's rules: CreateUser, CreateSuperuser, username and email
// normalisation, the four password validators.
//
// # Passwords
//
// PasswordHashers is Django's PASSWORD_HASHERS: the first hasher hashes, every hasher
// verifies. The default hashes with argon2id and reads pbkdf2_sha256, pbkdf2_sha1,
// bcrypt_sha256 and scrypt hashes written by Django. Check reports when a stored hash
// should be upgraded; stored parameters are bounds-checked before any hashing, and at most
// a few hashes run at once so a burst of logins cannot exhaust memory.
//
//	encoded, err := authx.MakePassword("s3cret!pass")
//	ok, err := authx.CheckPassword("s3cret!pass", encoded)
//
// # The current user
//
// CurrentUser(c) is Django's request.user: nil (anonymous) or the logged-in *User, loaded
// at most once per request from whatever the authentication middleware installed.
//
// # Tokens for APIs
//
// NewJWT gives an API the same users without cookies: ObtainHandler, RefreshHandler and
// RevokeHandler speak djangorestframework-simplejwt's JSON, access tokens are short-lived,
// refresh tokens rotate and a reused one revokes its whole family. Tokens carry a digest of
// the password hash and the user's auth version, so a password change or "log out
// everywhere" revokes them like sessions. *JWT is a RequestAuthenticator: with it, the
// current user, LoginRequired and PermissionRequired work the same for a bearer token as
// for a session. docs/jwt.md explains the threat model.
//
// # Safe redirects
//
// URLHasAllowedHostAndScheme and SafeRedirect port Django's checks for the next parameter.
package authx
