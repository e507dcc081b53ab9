package main

import (
	"context"
	"database/sql"
	"log/slog"

	"github.com/djin-go/djin/authx"
)

// The tutorial's custom user model (app01/models.py):
//
//	class Userinfo(AbstractUser):
//	    phone = models.BigIntegerField()
//	    avatar = models.CharField(max_length=32)
//
//	AUTH_USER_MODEL = 'app01.Userinfo'   # settings.py
//
// In djin the model is Django's auth_user columns plus ExtraFields, kept in the table Django
// would create for app01.Userinfo, so a database made by the tutorial's Django project can
// be opened as it is.
const (
	userTable  = "app01_userinfo" // Django: <app_label>_<model name>
	userColumn = "userinfo_id"    // the user column of the groups and permissions link tables
)

// The columns Userinfo adds to AbstractUser. The phone is optional here (the tutorial's is
// required), so that createsuperuser --noinput works without asking for one.
var (
	phoneField  = authx.ExtraField{Name: "phone", Type: authx.ExtraInt, Null: true, Label: "phone number"}
	avatarField = authx.ExtraField{Name: "avatar", Type: authx.ExtraString, MaxLength: 32}
	userFields  = []authx.ExtraField{phoneField, avatarField}
)

// openUsers returns the user store and manager over db, migrated: Django's makemigrations
// and migrate for the user model, run at every start (it only adds what is missing).
func openUsers(ctx context.Context, db *sql.DB, log *slog.Logger) (*authx.SQLStore, *authx.UserManager, error) {
	store, err := authx.NewSQLStore(authx.SQLStoreConfig{
		DB: db, Table: userTable, UserColumn: userColumn, ExtraFields: userFields,
	})
	if err != nil {
		return nil, nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		return nil, nil, err
	}
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: store, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return store, users, nil
}
