package authx

import (
	"errors"
	"testing"
)

// TestMD5DjangoVector is Django's test_md5, with its salt entropy check.
func TestMD5DjangoVector(t *testing.T) {
	h := NewMD5Hasher()
	runHashVectors(t, h, []hashVector{
		{"test_md5", letmein, "seasalt", "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3", false},
	})
	if !h.MustUpdate("md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3") {
		t.Error("a 7-character salt must trigger an update")
	}
	strong, _ := h.Encode(letmein)
	if h.MustUpdate(strong) {
		t.Error("a 22-character salt must not trigger an update")
	}
	for _, salt := range []string{"", "sea$salt"} {
		if _, err := h.EncodeSalt("password", salt); !errors.Is(err, ErrInvalidSalt) {
			t.Errorf("EncodeSalt(salt %q) err = %v, want ErrInvalidSalt", salt, err)
		}
	}
}

func TestMD5RefusesMalformedHashes(t *testing.T) {
	expectHashErrors(t, NewMD5Hasher(), ErrMalformedHash,
		"md5$seasalt$3F86D0D3D465B7B458C231BF3555C0E3", // Python's hexdigest is lowercase
		"md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e",
		"md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3a",
		"md5$seasalt$3f86d0d3d465b7b458c231bf3555c0eg",
		"md5$$3f86d0d3d465b7b458c231bf3555c0e3",
		"md5$sea$salt$3f86d0d3d465b7b458c231bf3555c0e3",
		"md5$seasalt",
	)
}

func TestMD5Summary(t *testing.T) {
	sum, err := NewMD5Hasher().Summary("md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3")
	want := []SummaryField{{"algorithm", "md5"}, {"salt", "se*****"}, {"hash", "3f86d0**************************"}}
	expectSummary(t, sum, err, want...)
}
