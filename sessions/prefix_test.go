package sessions

import (
	"strings"
	"testing"
)

// New refuses a __Host- cookie that browsers would drop (a Domain, a Path
// other than "/", or no Secure) and a __Secure- one without Secure,
// naming the rule.
func TestCookieNamePrefixRules(t *testing.T) {
	for _, tc := range []struct {
		c    Cookie
		want string // "" means valid
	}{
		{Cookie{Name: "__Host-session", Secure: true}, ""},
		{Cookie{Name: "__Host-session", Secure: true, Path: "/"}, ""},
		{Cookie{Name: "__Host-session"}, "Secure"},
		{Cookie{Name: "__Host-session", Secure: true, Domain: "example.com"}, "Domain"},
		{Cookie{Name: "__Host-session", Secure: true, Path: "/app"}, "Path"},
		{Cookie{Name: "__Secure-session", Secure: true, Domain: "example.com", Path: "/app"}, ""},
		{Cookie{Name: "__Secure-session"}, "Secure"},
	} {
		_, err := New(Config{Store: newTestStore(), Cookie: tc.c})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.c, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "__")):
			t.Errorf("%+v: error %v; want one naming the prefix and %s", tc.c, err, tc.want)
		}
	}
}
