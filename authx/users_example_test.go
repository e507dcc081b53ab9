package authx_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/djin-go/djin/authx"
)

// Django's User.objects.create_user and create_superuser, on the in-memory store.
func ExampleUserManager_CreateUser() {
	ctx := context.Background()
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: authx.DefaultMemoryStore()})
	if err != nil {
		log.Fatal(err)
	}
	u, err := users.CreateUser(ctx, authx.UserParams{Username: "q1mi", Email: "Q1mi@EXAMPLE.com", Password: "correct horse battery"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Username, u.Email, u.IsActive, u.IsStaff, u.HasUsablePassword())

	admin, err := users.CreateSuperuser(ctx, authx.UserParams{Username: "admin", Email: "123@qq.com", Password: "staple battery horse"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(admin.Username, admin.IsStaff, admin.IsSuperuser)

	ok, err := users.CheckPassword(ctx, u, "correct horse battery")
	fmt.Println("password ok:", ok, err)
	// Output:
	// q1mi Q1mi@example.com true false true
	// admin true true
	// password ok: true <nil>
}

// Every problem with a registration is reported at once, in Django's words.
func ExampleUserManager_CreateUser_validation() {
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: authx.DefaultMemoryStore()})
	if err != nil {
		log.Fatal(err)
	}
	_, err = users.CreateUser(context.Background(), authx.UserParams{Username: "o'connell", Password: "12345678"})

	var field *authx.UserFieldError
	if errors.As(err, &field) {
		fmt.Println(field.Field+":", field.Message)
	}
	var weak authx.PasswordValidationErrors
	if errors.As(err, &weak) {
		for _, msg := range weak.Messages() {
			fmt.Println("password:", msg)
		}
	}
	// Output:
	// username: Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.
	// password: This password is too common.
	// password: This password is entirely numeric.
}

// The tutorial's custom user model, class Userinfo(AbstractUser) with phone and avatar, as
// extra columns of Django's auth_user table in SQLite.
func ExampleExtraField() {
	ctx := context.Background()
	db, err := authx.OpenSQLite(":memory:") // a file path in real use, e.g. "example.db"
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := authx.NewSQLStore(authx.SQLStoreConfig{
		DB: db,
		ExtraFields: []authx.ExtraField{
			{Name: "phone", Type: authx.ExtraInt, Required: true},    // phone = models.BigIntegerField()
			{Name: "avatar", Type: authx.ExtraString, MaxLength: 32}, // avatar = models.CharField(max_length=32)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil { // python manage.py migrate
		log.Fatal(err)
	}
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: store})
	if err != nil {
		log.Fatal(err)
	}
	_, err = users.CreateUser(ctx, authx.UserParams{
		Username: "q1mi",
		Password: "correct horse battery",
		Extra:    authx.Extra{"phone": 13800138000, "avatar": "avatars/q1mi.png"},
	})
	if err != nil {
		log.Fatal(err)
	}
	u, err := store.GetUserByUsername(ctx, "q1mi")
	if err != nil {
		log.Fatal(err)
	}
	phone, _ := u.Extra.Int("phone")
	avatar, _ := u.Extra.String("avatar")
	fmt.Println(u.Username, phone, avatar)
	// Output: q1mi 13800138000 avatars/q1mi.png
}

// Django's permission rules: through groups, superusers have all, inactive users none.
func ExampleHasPerm() {
	ctx := context.Background()
	store := authx.DefaultMemoryStore()
	vote := &authx.Permission{Name: "Can vote", AppLabel: "polls", Model: "question", Codename: "vote"}
	voters := &authx.Group{Name: "voters"}
	alice := &authx.User{Username: "alice", IsActive: true}
	for _, err := range []error{
		store.CreatePermission(ctx, vote), store.CreateGroup(ctx, voters), store.CreateUser(ctx, alice),
	} {
		if err != nil {
			log.Fatal(err)
		}
	}
	if err := store.AddGroupPermission(ctx, voters.ID, vote.ID); err != nil {
		log.Fatal(err)
	}
	if err := store.AddUserToGroup(ctx, alice.ID, voters.ID); err != nil {
		log.Fatal(err)
	}

	for _, who := range []authx.Principal{alice, authx.AnonymousUser{}, &authx.User{Username: "root", IsActive: true, IsSuperuser: true}} {
		ok, err := authx.HasPerm(ctx, store, who, "polls.vote")
		fmt.Printf("%-14s %v %v\n", who, ok, err)
	}
	// Output:
	// alice          true <nil>
	// AnonymousUser  false <nil>
	// root           true <nil>
}

// Django's four password validators, their help texts and messages.
func ExampleValidatePassword() {
	validators := authx.DefaultPasswordValidators()
	for _, help := range authx.PasswordHelpTexts(validators) {
		fmt.Println("-", help)
	}
	user := &authx.User{Username: "margaretha", Email: "m@example.com"}
	err := authx.ValidatePassword("margaretha", user, validators)
	var errs authx.PasswordValidationErrors
	if errors.As(err, &errs) {
		fmt.Println(errs.Messages())
	}
	// Output:
	// - Your password can’t be too similar to your other personal information.
	// - Your password must contain at least 8 characters.
	// - Your password can’t be a commonly used password.
	// - Your password can’t be entirely numeric.
	// [The password is too similar to the username.]
}
